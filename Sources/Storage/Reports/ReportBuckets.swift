import Foundation

/// How long a time series' buckets are.
public enum ReportInterval: String, Sendable, CaseIterable {
    case day, week, month
}

/// The starts of a time series' buckets: calendar days, weeks (from Monday) or months in the
/// period's time zone, so a bucket is what a person there calls a day; the first bucket starts at
/// the period's start.
public enum ReportBuckets {
    /// At most this many buckets a series.
    public static let maximum = 1000

    public struct TooMany: Error, Sendable {
        public let maximum: Int
    }

    public static func starts(_ period: ReportPeriod, interval: ReportInterval) throws(TooMany) -> [Date] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = period.timeZone
        calendar.firstWeekday = 2
        let (unit, step): (Calendar.Component, Calendar.Component) = switch interval {
        case .day: (.day, .day)
        case .week: (.weekOfYear, .weekOfYear)
        case .month: (.month, .month)
        }
        // Counted from the first bucket's calendar start, so months of 28–31 days and days of 23
        // or 25 hours (daylight saving) each end where the calendar says.
        let base = calendar.dateInterval(of: unit, for: period.from)?.start ?? period.from
        var starts = [period.from]
        var k = 1
        while let next = calendar.date(byAdding: step, value: k, to: base), next < period.to {
            if next > period.from { starts.append(next) }
            guard starts.count <= maximum else { throw TooMany(maximum: maximum) }
            k += 1
        }
        return starts
    }
}
