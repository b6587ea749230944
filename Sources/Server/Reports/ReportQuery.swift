import Foundation
import Storage

/// A report's query parameters read into a ``ReportPeriod``: every refusal is 422 naming the parameter.
enum ReportQuery {
    static func period(from: String?, to: String?, tz: String?) throws -> ReportPeriod {
        let zone = try timeZone(tz)
        guard let from else { throw APIError.unprocessable("from: a report needs a bounded period; give `from` (a date such as 2026-11-01, or a date-time)", field: "from") }
        guard let to else { throw APIError.unprocessable("to: a report needs a bounded period; give `to` (a date such as 2026-12-01, or a date-time)", field: "to") }
        let start = try instant(from, field: "from", zone: zone), end = try instant(to, field: "to", zone: zone)
        do {
            return try ReportPeriod(from: start, to: end, timeZone: zone)
        } catch {
            throw APIError.unprocessable("from: the period is empty or inverted (\(from) is not before \(to))", field: "from")
        }
    }

    static func timeZone(_ name: String?) throws -> TimeZone {
        guard let name else { return TimeZone(identifier: "UTC")! }
        // TimeZone(identifier:) also takes abbreviations like "EST" that mean different zones in
        // different places: only IANA names are accepted.
        guard TimeZone.knownTimeZoneIdentifiers.contains(name) || name == "UTC", let zone = TimeZone(identifier: name) else {
            throw APIError.unprocessable("tz: \"\(name.prefix(64))\" is not an IANA time zone such as Europe/Moscow", field: "tz")
        }
        return zone
    }

    /// A date (`2026-11-01`, midnight in `zone`) or an RFC 3339 date-time with its offset.
    static func instant(_ text: String, field: String, zone: TimeZone) throws -> Date {
        let bytes = Array(text.utf8)
        if bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
           let y = Int(text.prefix(4)), let m = Int(text.dropFirst(5).prefix(2)), let d = Int(text.suffix(2)),
           bytes.enumerated().allSatisfy({ $0.offset == 4 || $0.offset == 7 || (0x30...0x39).contains($0.element) }) {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = zone
            // A day the calendar does not have (2026-02-30) would roll over into the next month.
            if (1...9999).contains(y), let date = calendar.date(from: DateComponents(year: y, month: m, day: d)),
               calendar.dateComponents([.year, .month, .day], from: date) == DateComponents(year: y, month: m, day: d) {
                return date
            }
        } else {
            for options: ISO8601DateFormatter.Options in [[.withInternetDateTime], [.withInternetDateTime, .withFractionalSeconds]] {
                let formatter = ISO8601DateFormatter()
                formatter.formatOptions = options
                if let date = formatter.date(from: text) { return date }
            }
        }
        throw APIError.unprocessable("\(field): \"\(text.prefix(64))\" is neither a date (2026-11-01) nor a date-time with its offset (2026-11-01T09:00:00+03:00)", field: field)
    }
}
