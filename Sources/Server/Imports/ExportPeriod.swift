import Foundation

/// The optional period of a ledger export: `from` inclusive, `to` exclusive, each a date
/// (`2026-12-01`: the start of that day in the time zone) or a date-time with its offset
/// (`2026-12-01T09:00:00+03:00`); the time zone is an IANA name (`Europe/Moscow`, default UTC).
public struct ExportPeriod: Sendable, Hashable {
    public var from: Date?
    public var to: Date?
    public var zone: TimeZone

    /// - Throws: ``APIError`` 422 naming the field: an unknown zone, an unreadable bound, or a
    ///   period that ends before it starts.
    public init(from: String?, to: String?, tz: String?) throws {
        guard let zone = tz.map({ TimeZone(identifier: $0) }) ?? TimeZone(identifier: "UTC") else {
            throw APIError.unprocessable("tz: unknown time zone \(tz ?? "")", field: "tz")
        }
        self.zone = zone
        self.from = try from.map { try Self.instant($0, zone: zone, field: "from") }
        self.to = try to.map { try Self.instant($0, zone: zone, field: "to") }
        if let start = self.from, let end = self.to, end <= start {
            throw APIError.unprocessable("to must be after from (the period is from inclusive to exclusive)", field: "to")
        }
    }

    static func instant(_ text: String, zone: TimeZone, field: String) throws -> Date {
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(timeZone: zone).year().month().day().dateSeparator(.dash)), text.count == 10 {
            return date
        }
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle()) { return date }
        throw APIError.unprocessable("\(field): \(text) is neither a date (2026-12-01) nor a date-time with its offset (2026-12-01T09:00:00+03:00)", field: field)
    }
}
