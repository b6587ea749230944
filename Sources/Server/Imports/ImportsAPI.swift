import Foundation

/// `/api/v1/imports` and `/api/v1/exports`: not built yet.
extension PasslineAPI {
    func createImport(_ input: Operations.CreateImport.Input) async throws -> Operations.CreateImport.Output {
        throw APIError(.notImplemented, "imports are not built yet")
    }

    func getImport(_ input: Operations.GetImport.Input) async throws -> Operations.GetImport.Output {
        throw APIError(.notImplemented, "imports are not built yet")
    }

    func exportCards(_ input: Operations.ExportCards.Input) async throws -> Operations.ExportCards.Output {
        throw APIError(.notImplemented, "exports are not built yet")
    }

    func exportLedger(_ input: Operations.ExportLedger.Input) async throws -> Operations.ExportLedger.Output {
        throw APIError(.notImplemented, "exports are not built yet")
    }
}
