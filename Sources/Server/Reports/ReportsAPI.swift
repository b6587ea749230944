import Foundation
import OpenAPIRuntime
import Storage

/// `GET /api/v1/reports/summary` and `/timeseries`: JSON, or CSV when the client asks for `text/csv`.
extension PasslineAPI {
    func getReportSummary(_ input: Operations.GetReportSummary.Input) async throws -> Operations.GetReportSummary.Output {
        let q = input.query
        let period = try ReportQuery.period(from: q.from, to: q.to, tz: q.tz)
        let days = q.activeDays ?? ReportService.activeDays.default
        guard ReportService.activeDays.range.contains(days) else {
            throw APIError.unprocessable("activeDays: \(days) is outside 1–366", field: "activeDays")
        }
        let summary = try await reports.summary(period, activeDays: days)
        if Self.wantsCSV(input.headers.accept.sortedByQuality().map(\.contentType.rawValue)) {
            return .ok(.init(body: .csv(HTTPBody(ReportCSV.summary(summary)))))
        }
        return .ok(.init(body: .json(ReportJSON.summary(summary))))
    }

    func getReportTimeseries(_ input: Operations.GetReportTimeseries.Input) async throws -> Operations.GetReportTimeseries.Output {
        let q = input.query
        let period = try ReportQuery.period(from: q.from, to: q.to, tz: q.tz)
        guard let interval = ReportInterval(rawValue: q.interval ?? "day") else {
            throw APIError.unprocessable("interval: \"\((q.interval ?? "").prefix(32))\" is not day, week or month", field: "interval")
        }
        let series: ReportTimeseries
        do {
            series = try await reports.timeseries(period, interval: interval)
        } catch let error as ReportBuckets.TooMany {
            throw APIError.unprocessable("interval: the period has more than \(error.maximum) \(interval.rawValue)s; choose a longer interval or a shorter period", field: "interval")
        }
        if Self.wantsCSV(input.headers.accept.sortedByQuality().map(\.contentType.rawValue)) {
            return .ok(.init(body: .csv(HTTPBody(ReportCSV.timeseries(series)))))
        }
        return .ok(.init(body: .json(ReportJSON.timeseries(series))))
    }

    /// CSV only when `text/csv` is asked for and JSON is not preferred to it (ties go to the first listed).
    static func wantsCSV(_ accepted: [String]) -> Bool {
        guard let csv = accepted.firstIndex(of: "text/csv") else { return false }
        guard let json = accepted.firstIndex(where: { $0 == "application/json" || $0 == "*/*" }) else { return true }
        return csv < json
    }
}
