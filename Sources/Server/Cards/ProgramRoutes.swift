import Foundation
import Hummingbird
import Loyalty
import PassBuilder
import Storage

/// `/api/v1/program` (read: crm; write: admin) and `/api/v1/apikeys` (admin).
struct ProgramRoutes: Sendable {
    typealias Context = AppRequestContext
    let loyalty: LoyaltyService
    let maxBodyBytes: Int

    func register(on router: some RouterMethods<Context>) {
        router.get("program", use: show)
        router.put("program", use: update)
        router.post("apikeys", use: createKey)
        router.get("apikeys", use: listKeys)
        router.delete("apikeys/:id", use: revokeKey)
    }

    func programJSON() throws -> JSONValue {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return try JSONValue(parsing: Array(try encoder.encode(loyalty.program)))
    }

    @Sendable func show(_ request: Request, context: Context) async throws -> Response {
        _ = try context.require(.crm)
        return .json(try programJSON())
    }

    @Sendable func update(_ request: Request, context: Context) async throws -> Response {
        _ = try context.require(.admin)
        let (bytes, _) = try await request.jsonBody(limit: maxBodyBytes)
        let program: LoyaltyProgram
        do {
            program = try JSONDecoder().decode(LoyaltyProgram.self, from: Data(bytes))
        } catch let error as DecodingError {
            let field = PassTemplate.field(error)
            throw APIError.unprocessable(PassTemplate.describe(error), field: field.isEmpty ? nil : field)
        }
        try ProgramTexts.check(program)
        try loyalty.updateProgram(program)
        return .json(try programJSON())
    }

    static func describe(_ k: APIKeyRecord) -> JSONValue {
        .object([
            "id": .string(k.id), "name": .string(k.name), "scopes": .array(k.scopes.map(\.rawValue).sorted().map(JSONValue.string)),
            "createdAt": .string(k.createdAt.formatted(.iso8601)), "revoked": .bool(k.revoked),
        ])
    }

    @Sendable func createKey(_ request: Request, context: Context) async throws -> Response {
        _ = try context.require(.admin)
        let body = try await request.jsonObject(limit: maxBodyBytes)
        let name = try CardRoutes.requiredString(body, "name", max: 100)
        guard case .array(let raw)? = body["scopes"], !raw.isEmpty else {
            throw APIError.unprocessable("scopes is required: a non-empty array of \(APIScope.allCases.map(\.rawValue).joined(separator: ", "))", field: "scopes")
        }
        var scopes = Set<APIScope>()
        for s in raw {
            guard let scope = s.stringValue.flatMap(APIScope.init(rawValue:)) else {
                throw APIError.unprocessable("unknown scope \(s.stringValue ?? s.typeName)", field: "scopes")
            }
            scopes.insert(scope)
        }
        let (record, token) = try await loyalty.keys.create(name: name, scopes: scopes)
        guard case .object(var json) = Self.describe(record) else { fatalError("describe returns an object") }
        json["token"] = .string(token)
        return .json(.object(json), status: .created)
    }

    @Sendable func listKeys(_ request: Request, context: Context) async throws -> Response {
        _ = try context.require(.admin)
        return .json(.object(["items": .array(try await loyalty.keys.list().map(Self.describe))]))
    }

    @Sendable func revokeKey(_ request: Request, context: Context) async throws -> Response {
        _ = try context.require(.admin)
        let id = try context.parameters.segment("id")
        guard try await loyalty.keys.revoke(id: id) else { throw APIError.notFound("no active key \(id)") }
        return Response(status: .noContent)
    }
}
