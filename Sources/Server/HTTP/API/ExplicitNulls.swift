import HTTPTypes
import OpenAPIRuntime
import PassBuilder

/// Where an answer must carry `null`: the properties the document marks required and nullable.
///
/// The generated encoder leaves a nil property out (it encodes with `encodeIfPresent`, also for a
/// required, nullable one: apple/swift-openapi-generator#934), which would turn the documented
/// `"externalId": null` into a missing key. The plan is read from the document itself, so it
/// stays true as the document changes.
struct NullPlan: Sendable, Equatable {
    /// Required, nullable properties of this object.
    var keys: [String] = []
    /// Plans of nested objects, by property.
    var properties: [String: NullPlan] = [:]
    /// The plan of each element, when this is an array.
    var items: [NullPlan] = []

    var isEmpty: Bool { keys.isEmpty && properties.isEmpty && items.isEmpty }

    /// Fills the missing keys with `null`.
    func apply(to value: inout JSONValue) {
        switch value {
        case .object(var object):
            for key in keys where object[key] == nil { object[key] = .null }
            for (key, plan) in properties {
                if var nested = object[key] {
                    plan.apply(to: &nested)
                    object[key] = nested
                }
            }
            value = .object(object)
        case .array(var elements):
            guard let plan = items.first else { return }
            for i in elements.indices { plan.apply(to: &elements[i]) }
            value = .array(elements)
        default:
            return
        }
    }
}

extension NullPlan {
    /// The plans of every operation's JSON answers, by operation id and status code.
    static func plans(in document: JSONValue) -> [String: [Int: NullPlan]] {
        var plans: [String: [Int: NullPlan]] = [:]
        for (_, item) in document["paths"]?.objectValue ?? [:] {
            for (_, operation) in item.objectValue ?? [:] {
                guard let id = operation["operationId"]?.stringValue else { continue }
                for (status, response) in operation["responses"]?.objectValue ?? [:] {
                    guard let code = Int(status),
                          let schema = resolve(response, in: document)?["content"]?["application/json"]?["schema"]
                    else { continue }
                    let plan = NullPlan(schema: schema, in: document, depth: 0)
                    if !plan.isEmpty { plans[id, default: [:]][code] = plan }
                }
            }
        }
        return plans
    }

    init(schema: JSONValue, in document: JSONValue, depth: Int) {
        // The document's answers nest a few levels; the bound only guards against a cycle.
        guard depth < 8, let schema = Self.resolve(schema, in: document) else { return }
        var properties: [String: JSONValue] = [:]
        var required: Set<String> = []
        for part in [schema] + (schema["allOf"]?.arrayValue ?? []) {
            guard let part = Self.resolve(part, in: document) else { continue }
            properties.merge(part["properties"]?.objectValue ?? [:]) { first, _ in first }
            required.formUnion((part["required"]?.arrayValue ?? []).compactMap(\.stringValue))
        }
        for (name, property) in properties {
            guard let resolved = Self.resolve(property, in: document) else { continue }
            if required.contains(name), Self.isNullable(resolved, in: document) { keys.append(name) }
            let nested = NullPlan(schema: resolved, in: document, depth: depth + 1)
            if !nested.isEmpty { self.properties[name] = nested }
        }
        keys.sort()
        if let element = schema["items"] {
            let plan = NullPlan(schema: element, in: document, depth: depth + 1)
            if !plan.isEmpty { items = [plan] }
        }
    }

    static func isNullable(_ schema: JSONValue, in document: JSONValue) -> Bool {
        if case .array(let types)? = schema["type"], types.contains(.string("null")) { return true }
        if schema["type"]?.stringValue == "null" { return true }
        let alternatives = (schema["oneOf"]?.arrayValue ?? []) + (schema["anyOf"]?.arrayValue ?? [])
        return alternatives.contains { resolve($0, in: document).map { isNullable($0, in: document) } ?? false }
    }

    /// Follows a local `$ref` (`#/components/…`).
    static func resolve(_ value: JSONValue, in document: JSONValue) -> JSONValue? {
        guard let ref = value["$ref"]?.stringValue else { return value }
        guard ref.hasPrefix("#/") else { return nil }
        var node: JSONValue? = document
        for part in ref.dropFirst(2).split(separator: "/") { node = node?[String(part)] }
        return node.flatMap { resolve($0, in: document) }
    }
}

/// Applies the ``NullPlan`` of the operation's answer to its JSON body.
struct ExplicitNullsMiddleware: ServerMiddleware {
    let plans: [String: [Int: NullPlan]]

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        let (response, responseBody) = try await next(request, body, metadata)
        guard let plan = plans[operationID]?[response.status.code], let responseBody,
              response.headerFields[.contentType]?.hasPrefix("application/json") == true
        else { return (response, responseBody) }
        var value = try JSONValue(parsing: try await [UInt8](collecting: responseBody, upTo: .max))
        plan.apply(to: &value)
        var fields = response.headerFields
        fields[.contentLength] = nil
        return (HTTPResponse(status: response.status, headerFields: fields), HTTPBody(value.serialized()))
    }
}
