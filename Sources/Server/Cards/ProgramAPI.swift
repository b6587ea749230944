import Foundation
import Loyalty
import Storage

/// `/api/v1/program` (read: crm; write: admin) and `/api/v1/apikeys` (admin).
extension PasslineAPI {
    func getProgram(_ input: Operations.GetProgram.Input) async throws -> Operations.GetProgram.Output {
        .ok(.init(body: .json(loyalty.program)))
    }

    /// Replaces the program whole. The generated decoder reads it with the program's own Codable
    /// model, whose rules name the field (`tiers[1].code`); the texts are checked in parts here.
    func putProgram(_ input: Operations.PutProgram.Input) async throws -> Operations.PutProgram.Output {
        guard case .json(let program) = input.body else { throw APIError.badRequest("a JSON object body is required") }
        try ProgramTexts.check(program)
        try loyalty.updateProgram(program)
        return .ok(.init(body: .json(loyalty.program)))
    }

    func createAPIKey(_ input: Operations.CreateAPIKey.Input) async throws -> Operations.CreateAPIKey.Output {
        guard case .json(let body) = input.body else { throw APIError.badRequest("a JSON object body is required") }
        let name = try Fields.required(body.name, "name", max: 100)
        guard !body.scopes.isEmpty else {
            throw APIError.unprocessable("scopes is required: a non-empty array of \(APIScope.allCases.map(\.rawValue).joined(separator: ", "))", field: "scopes")
        }
        var scopes = Set<APIScope>()
        for raw in body.scopes {
            guard let scope = APIScope(rawValue: raw) else { throw APIError.unprocessable("unknown scope \(raw)", field: "scopes") }
            scopes.insert(scope)
        }
        let (record, token) = try await loyalty.keys.create(name: name, scopes: scopes)
        return .created(.init(body: .json(.init(
            createdAt: record.createdAt, id: record.id, name: record.name, revoked: record.revoked,
            scopes: Self.scopes(record).compactMap { .init(rawValue: $0) }, token: token))))
    }

    func listAPIKeys(_ input: Operations.ListAPIKeys.Input) async throws -> Operations.ListAPIKeys.Output {
        let keys = try await loyalty.keys.list().map { k in
            Components.Schemas.APIKey(
                createdAt: k.createdAt, id: k.id, name: k.name, revoked: k.revoked, scopes: Self.scopes(k).compactMap { .init(rawValue: $0) })
        }
        return .ok(.init(body: .json(.init(items: keys))))
    }

    func revokeAPIKey(_ input: Operations.RevokeAPIKey.Input) async throws -> Operations.RevokeAPIKey.Output {
        guard try await loyalty.keys.revoke(id: input.path.id) else { throw APIError.notFound("no active key \(input.path.id)") }
        return .noContent(.init())
    }

    static func scopes(_ key: APIKeyRecord) -> [String] { key.scopes.map(\.rawValue).sorted() }
}
