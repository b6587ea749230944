import Foundation
import Hummingbird
import HummingbirdTesting
import PassBuilder
import Testing
import TestSupport

@testable import Server

/// docs/openapi.json (Sources/Server/openapi.json): well-formed, in step with the router, compiled in
/// and served unchanged; the API middlewares read it right.
@Suite struct OpenAPITests {
    static let documentURL = TestEnvironment.repoRoot.appendingPathComponent("docs/openapi.json")
    static let methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    /// One route: an upper-case method and an OpenAPI path template (`/v1/passes/{passType}/{serial}`).
    struct Route: Hashable, Comparable, CustomStringConvertible {
        var method: String
        var path: String
        var description: String { "\(method) \(path)" }
        static func < (a: Route, b: Route) -> Bool { (a.path, a.method) < (b.path, b.method) }
    }

    static func documentBytes() throws -> [UInt8] {
        Array(try Data(contentsOf: documentURL))
    }

    static func document() throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(documentBytes())) as? [String: Any])
    }

    /// Every (method, path) the document describes, with its operation object.
    static func operations(_ doc: [String: Any]) throws -> [(route: Route, operation: [String: Any])] {
        let paths = try #require(doc["paths"] as? [String: Any])
        var result: [(Route, [String: Any])] = []
        for (path, item) in paths {
            let item = try #require(item as? [String: Any], "\(path)")
            for method in methods {
                guard let op = item[method] else { continue }
                result.append((Route(method: method.uppercased(), path: path), try #require(op as? [String: Any], "\(method) \(path)")))
            }
        }
        return result.sorted { $0.0 < $1.0 }
    }

    /// A Hummingbird route path in OpenAPI form: `:name` and `{name}` captures become `{name}`.
    static func template(_ routerPath: String) -> String {
        let segments = routerPath.split(separator: "/", omittingEmptySubsequences: true).map { segment in
            segment.hasPrefix(":") ? "{\(segment.dropFirst())}" : String(segment)
        }
        return "/" + segments.joined(separator: "/")
    }

    /// Every `"$ref"` value in `value`.
    static func references(in value: Any) -> [String] {
        if let object = value as? [String: Any] {
            return object.flatMap { key, v -> [String] in key == "$ref" ? [v as? String ?? "<not a string>"] : references(in: v) }
        }
        if let array = value as? [Any] { return array.flatMap(references(in:)) }
        return []
    }

    /// The value at a local JSON pointer (`#/components/schemas/Card`), or nil.
    static func resolve(_ pointer: String, in doc: [String: Any]) -> Any? {
        guard pointer.hasPrefix("#/") else { return nil }
        var node: Any = doc
        for raw in pointer.dropFirst(2).split(separator: "/", omittingEmptySubsequences: false) {
            let key = raw.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            guard let object = node as? [String: Any], let next = object[key] else { return nil }
            node = next
        }
        return node
    }

    // MARK: (a) the document itself

    @Test func documentIsOpenAPI31WithResponsesEverywhere() throws {
        let doc = try Self.document()
        let version = try #require(doc["openapi"] as? String)
        #expect(version.hasPrefix("3.1."), "openapi is \(version)")
        let info = try #require(doc["info"] as? [String: Any])
        #expect(info["title"] is String && info["version"] is String)

        let operations = try Self.operations(doc)
        #expect(operations.count >= 20, "only \(operations.count) operations")
        var operationIDs: [String: Route] = [:]
        for (route, op) in operations {
            let responses = op["responses"] as? [String: Any] ?? [:]
            #expect(!responses.isEmpty, "\(route) has no responses")
            for code in responses.keys {
                #expect(code == "default" || (code.count == 3 && Int(code).map { (100...599).contains($0) } == true), "\(route): response key \(code)")
            }
            if let id = op["operationId"] as? String {
                #expect(operationIDs[id] == nil, "operationId \(id) is used by \(operationIDs[id]!) and \(route)")
                operationIDs[id] = route
            } else {
                Issue.record("\(route) has no operationId")
            }
        }

        for pointer in Set(Self.references(in: doc)) {
            #expect(Self.resolve(pointer, in: doc) != nil, "unresolved $ref \(pointer)")
        }
    }

    /// Security and the 4xx answers every route shares are documented where they apply.
    @Test func sharedResponsesAreDocumented() throws {
        let doc = try Self.document()
        let globalSecurity = doc["security"] as? [[String: Any]] ?? []
        for (route, op) in try Self.operations(doc) {
            let responses = op["responses"] as? [String: Any] ?? [:]
            let security = op["security"] as? [[String: Any]] ?? globalSecurity
            let schemes = Set(security.flatMap(\.keys))
            if route.path == "/api/v1/openapi.json" {
                #expect(schemes.isEmpty, "the document is public")
            } else if route.path.hasPrefix("/api/v1/") {
                #expect(schemes == ["bearerAuth"], "\(route) uses \(schemes)")
            }
            if !schemes.isEmpty { #expect(responses["401"] != nil, "\(route) is authenticated but does not document 401") }
            // Path segments are validated (length, characters): 400.
            if route.path.contains("{") { #expect(responses["400"] != nil, "\(route) has path parameters but does not document 400") }
            if op["requestBody"] != nil {
                #expect(responses["400"] != nil && responses["413"] != nil, "\(route) reads a JSON body but does not document 400 and 413")
            }
        }
    }

    // MARK: (b) the router and the document describe the same routes

    @Test func routesMatchTheDocument() async throws {
        let documented = Set(try Self.operations(try Self.document()).map(\.route))
        try await TestServer.run(.sqlite) { s, _ in
            let router = try s.server.router()
            let served = Set(router.routes.map { Route(method: $0.method.rawValue, path: Self.template($0.path.description)) })
            #expect(served.count >= 20, "the router lists only \(served.count) routes")
            let undocumented = served.subtracting(documented).sorted()
            let missing = documented.subtracting(served).sorted()
            #expect(undocumented.isEmpty, "routes missing from docs/openapi.json: \(undocumented)")
            #expect(missing.isEmpty, "documented but not routed: \(missing)")
        }
    }

    @Test func routerPathsConvertToTemplates() {
        #expect(Self.template("/v1/devices/:device/registrations/:passType") == "/v1/devices/{device}/registrations/{passType}")
        #expect(Self.template("/api/v1/cards/{number}/pass") == "/api/v1/cards/{number}/pass")
        #expect(Self.template("healthz") == "/healthz")
    }

    // MARK: (c) embedded and served unchanged

    /// The route is public even next to a group whose middleware refuses everything: group middleware
    /// wraps only the routes added through the group.
    @Test func routeIsPublicBesideAnAuthenticatedGroup() async throws {
        struct Refuse: RouterMiddleware {
            typealias Context = AppRequestContext
            func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
                throw APIError(.unauthorized, "refused")
            }
        }
        let router = Router(context: AppRequestContext.self)
        let api = router.group("api/v1").add(middleware: Refuse())
        api.get("program") { _, _ in "program" }
        OpenAPIRoute.register(on: router)
        try await Application(router: router).test(.router) { client in
            let document = try await client.execute(uri: "/api/v1/openapi.json", method: .get)
            #expect(document.status == .ok)
            #expect(document.headers[.contentType] == "application/json")
            let same = document.bytes == PackageResources.openapi_json
            #expect(same)
            #expect(try await client.execute(uri: "/api/v1/program", method: .get).status == .unauthorized)
        }
    }

    @Test func embeddedDocumentIsTheFile() throws {
        let same = PackageResources.openapi_json == (try Self.documentBytes())
        #expect(same, "the compiled-in document differs from docs/openapi.json (Sources/Server/openapi.json): the embedInCode resource is not wired")
    }

    @Test func servedWithoutAuthenticationByteForByte() async throws {
        let file = try Self.documentBytes()
        try await TestServer.run(.sqlite) { s, client in
            let response = try await client.execute(uri: "/api/v1/openapi.json", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/json")
            let same = response.bytes == file
            #expect(same, "served \(response.bytes.count) bytes that differ from docs/openapi.json (\(file.count) bytes)")

            // The rest of /api/v1 still needs the token.
            let program = try await client.execute(uri: "/api/v1/program", method: .get)
            #expect(program.status == .unauthorized)
            let authorized = try await client.execute(uri: "/api/v1/program", method: .get, headers: s.adminAuth)
            #expect(authorized.status == .ok)
        }
    }

    // MARK: (d) what the API middlewares take from the document

    @Test func idempotentOperationsAreThoseThatDeclareTheHeader() throws {
        let declaring = try Self.operations(try Self.document()).compactMap { route, operation -> String? in
            let parameters = operation["parameters"] as? [[String: Any]] ?? []
            let declares = parameters.contains { ($0["$ref"] as? String) == "#/components/parameters/IdempotencyKey" }
            // A broadcast and an import keep their keys in their own rows; the middleware leaves them alone.
            guard declares, let id = operation["operationId"] as? String, !["createBroadcast", "createImport"].contains(id) else { return nil }
            return id
        }
        #expect(Set(declaring) == IdempotencyMiddleware.operations)
        #expect(declaring.count == 4)
    }

    @Test func requiredNullablePropertiesArePlannedAsExplicitNulls() throws {
        let plans = NullPlan.plans(in: OpenAPIRoute.document)
        #expect(plans["getCard"]?[200]?.keys == ["externalId"])
        let transactions = try #require(plans["listTransactions"]?[200])
        #expect(transactions.keys == ["nextCursor"])
        #expect(transactions.properties["items"]?.items.first?.keys == ["amount", "businessKey", "cardNumber", "comment", "reverses"])
        #expect(plans["createTransaction"]?[201]?.properties["entry"]?.keys.contains("amount") == true)
        #expect(plans["getProgram"] == nil, "the program encodes itself")

        var card: JSONValue = .object(["number": .string("1")])
        try #require(plans["getCard"]?[200]).apply(to: &card)
        #expect(card == .object(["number": .string("1"), "externalId": .null]))
        var kept: JSONValue = .object(["externalId": .string("crm-1")])
        try #require(plans["getCard"]?[200]).apply(to: &kept)
        #expect(kept == .object(["externalId": .string("crm-1")]), "a value is never replaced")
    }

    @Test func apiPathParametersPassTheSegmentRule() async throws {
        try await TestServer.run(.sqlite) { s, client in
            for bad in ["a%00b", "%2E%2E", "a%5Cb", String(repeating: "x", count: 256)] {
                let response = try await client.execute(uri: "/api/v1/cards/\(bad)", method: .get, headers: s.adminAuth)
                #expect(response.status == .badRequest, "\(bad)")
                #expect(response.headers[.contentType] == "application/problem+json")
                #expect(String(buffer: response.body).contains(#""field":"number""#), "\(bad)")
            }
            let unknown = try await client.execute(uri: "/api/v1/cards/NOPE-1", method: .get, headers: s.adminAuth)
            #expect(unknown.status == .notFound)
        }
    }
}
