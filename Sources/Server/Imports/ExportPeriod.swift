import Foundation

/// The optional period of a ledger export: `from` inclusive, `to` exclusive, each a date
/// (`2026-12-01`: the start of that day in the time zone) or a date-time with its offset
/// (`2026-12-01T09:00:00+03:00`); the time zone is an IANA name (`Europe/Moscow`, default UTC).
/// Read as the reports read their periods (``ReportQuery``), but both ends are optional.
public struct ExportPeriod: Sendable, Hashable {
    public var from: Date?
    public var to: Date?
    public var zone: TimeZone

    /// - Throws: ``APIError`` 422 naming the field: an unknown zone, an unreadable bound, or a
    ///   period that ends before it starts.
    public init(from: String?, to: String?, tz: String?) throws {
        let zone = try ReportQuery.timeZone(tz)
        self.zone = zone
        self.from = try from.map { try ReportQuery.instant($0, field: "from", zone: zone) }
        self.to = try to.map { try ReportQuery.instant($0, field: "to", zone: zone) }
        if let start = self.from, let end = self.to, end <= start {
            throw APIError.unprocessable("to must be after from (the period is from inclusive to exclusive)", field: "to")
        }
    }
}
