import Foundation

/// `/api/v1/reports`: not built yet.
extension PasslineAPI {
    func getReportSummary(_ input: Operations.GetReportSummary.Input) async throws -> Operations.GetReportSummary.Output {
        throw APIError(.notImplemented, "reports are not built yet")
    }

    func getReportTimeseries(_ input: Operations.GetReportTimeseries.Input) async throws -> Operations.GetReportTimeseries.Output {
        throw APIError(.notImplemented, "reports are not built yet")
    }
}
