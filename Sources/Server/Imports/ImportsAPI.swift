import Core
import Foundation
import OpenAPIRuntime
import Storage

/// `/api/v1/imports` and `/api/v1/exports` (scope `admin`).
enum ImportsAPI {
    /// An import's CSV can be large: this operation takes up to 64 MiB (≈ a million rows) whatever the general limit.
    static let maxBody = 64 * 1024 * 1024

    static func view(_ r: ImportRecord) -> Components.Schemas.Import {
        Components.Schemas.Import(
            cardsCreated: Int(r.cardsCreated), cardsExisting: Int(r.cardsExisting), createdAt: r.createdAt, error: r.error,
            finishedAt: r.finishedAt, householdsCreated: Int(r.householdsCreated), id: String(r.id), openingPoints: Int(r.openingPoints),
            processed: Int(r.processed), rows: Int(r.rows), state: .init(rawValue: r.state.rawValue) ?? .failed)
    }
}

extension PasslineAPI {
    func createImport(_ input: Operations.CreateImport.Input) async throws -> Operations.CreateImport.Output {
        guard case .csv(let body) = input.body else { throw APIError.badRequest("a text/csv body is required") }
        // The body limit middleware has read it whole already (413 past ImportsAPI.maxBody).
        let bytes = try await [UInt8](collecting: body, upTo: ImportsAPI.maxBody)
        var key: String?
        if let header = input.headers.idempotencyKey {
            guard IdempotencyKey(header) != nil else { throw APIError.badRequest(IdempotencyKey.rule, field: "Idempotency-Key") }
            // Keys are per caller, and fingerprint method, path and body, like every Idempotency-Key of the API.
            key = "\(try APICaller.identity().idempotencyScope) \(header)"
        }
        let creation: ImportCreation
        do {
            creation = try await imports.accept(bytes, idempotencyKey: key, requestHash: key == nil ? nil : APICaller.current?.fingerprint)
        } catch let refusal as ImportRefusal {
            throw APIError.unprocessable(refusal.description, field: "body")
        }
        let accepted = { (r: ImportRecord, replayed: Bool) -> Operations.CreateImport.Output in
            .accepted(.init(
                headers: .init(idempotentReplayed: replayed ? ._true : nil, location: "/api/v1/imports/\(r.id)"),
                body: .json(ImportsAPI.view(r))))
        }
        switch creation {
        case .created(let r): return accepted(r, false)
        case .replayed(let r): return accepted(r, true)
        case .keyMismatch:
            throw APIError(.conflict, "Idempotency-Key \(input.headers.idempotencyKey ?? "") was used with a different request", field: "Idempotency-Key")
        }
    }

    func getImport(_ input: Operations.GetImport.Input) async throws -> Operations.GetImport.Output {
        guard let id = Int64(input.path.id), id > 0, let record = try await imports.store.record(id: id) else {
            throw APIError.notFound("no import \(input.path.id)")
        }
        return .ok(.init(body: .json(ImportsAPI.view(record))))
    }

    func exportCards(_ input: Operations.ExportCards.Input) async throws -> Operations.ExportCards.Output {
        .ok(.init(body: .textCsvCharsetUtf8(HTTPBody(ExportCSV.cards(imports.store), length: .unknown, iterationBehavior: .single))))
    }

    func exportLedger(_ input: Operations.ExportLedger.Input) async throws -> Operations.ExportLedger.Output {
        let period = try ExportPeriod(from: input.query.from, to: input.query.to, tz: input.query.tz)
        let stream = ExportCSV.ledger(imports.store, from: period.from, to: period.to, zone: period.zone)
        return .ok(.init(body: .textCsvCharsetUtf8(HTTPBody(stream, length: .unknown, iterationBehavior: .single))))
    }
}
