import Foundation
import Storage

/// The overview's period: whole days from `from` to `to`, both included, in one time zone.
/// Parsed from the page's query (`from=2026-11-01&to=2026-11-30`); by default the 30 days
/// ending today. Bounded, so a chart never has more buckets than it can draw.
struct AdminPeriod: Sendable, Hashable {
    /// The first day's midnight, and the midnight after the last day.
    let start: Date
    let end: Date
    let timeZone: TimeZone
    /// The first and last day as written in the form (`yyyy-MM-dd`).
    let firstDay: String
    let lastDay: String

    /// The longest period the overview draws.
    static let maximumDays = 731

    /// Why a period was refused (a key of the page's texts).
    enum Refusal: String, Error, Sendable {
        case badDate = "periodBadDate"
        case inverted = "periodInverted"
        case tooLong = "periodTooLong"
    }

    /// Days in the period.
    var days: Int {
        calendar.dateComponents([.day], from: start, to: end).day ?? 0
    }

    /// Buckets the charts use: days up to two months, then weeks, then months.
    var interval: ReportInterval {
        switch days {
        case ...62: return .day
        case ...371: return .week
        default: return .month
        }
    }

    /// The reports' period: the first day's midnight to the midnight after the last day.
    func reportPeriod() throws -> ReportPeriod {
        try ReportPeriod(from: start, to: end, timeZone: timeZone)
    }

    var calendar: Calendar {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = timeZone
        return c
    }

    /// The period a query asks for. Missing days take the default (30 days ending `now`'s day);
    /// a malformed day, an end before the start or a period past ``maximumDays`` is refused.
    static func parse(from: String?, to: String?, timeZone: TimeZone, now: Date) -> Result<AdminPeriod, Refusal> {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let today = calendar.startOfDay(for: now)
        let from = from.flatMap { $0.isEmpty ? nil : $0 }
        let to = to.flatMap { $0.isEmpty ? nil : $0 }
        let last: Date
        if let to {
            guard let d = day(to, calendar) else { return .failure(.badDate) }
            last = d
        } else {
            last = today
        }
        let first: Date
        if let from {
            guard let d = day(from, calendar) else { return .failure(.badDate) }
            first = d
        } else {
            first = calendar.date(byAdding: .day, value: -29, to: last) ?? last
        }
        guard first <= last else { return .failure(.inverted) }
        guard let end = calendar.date(byAdding: .day, value: 1, to: last) else { return .failure(.badDate) }
        let days = calendar.dateComponents([.day], from: first, to: end).day ?? Int.max
        guard days <= maximumDays else { return .failure(.tooLong) }
        return .success(AdminPeriod(start: first, end: end, timeZone: timeZone, firstDay: format(first, calendar), lastDay: format(last, calendar)))
    }

    /// `yyyy-MM-dd` (what `<input type="date">` sends) as that day's midnight; nil unless it is a real day.
    static func day(_ text: String, _ calendar: Calendar) -> Date? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard text.utf8.count == 10, parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]), (1970...9999).contains(y)
        else { return nil }
        let components = DateComponents(year: y, month: m, day: d)
        // The calendar would roll 2026-02-30 over into March: a day that does not exist is refused.
        guard components.isValidDate(in: calendar), let date = calendar.date(from: components) else { return nil }
        return date
    }

    static func format(_ date: Date, _ calendar: Calendar) -> String {
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0)
    }

    /// A time zone from the query (an IANA name such as `Europe/Moscow`), else `fallback`; nil for
    /// a name that is not one.
    static func timeZone(_ name: String?, fallback: TimeZone) -> TimeZone? {
        guard let name, !name.isEmpty else { return fallback }
        guard name.utf8.count <= 64, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "/_+-".contains($0)) }) else { return nil }
        return TimeZone(identifier: name)
    }
}
