import Hummingbird
import Loyalty
import PassBuilder
import Storage

/// `/api/v1/passes`: the pass API for integrators and the layers above (admin token).
struct PassAPIRoutes: Sendable {
    typealias Context = AppRequestContext
    let service: PassService
    let maxBodyBytes: Int

    func register(on router: some RouterMethods<Context>) {
        router.post("passes", use: create)
        router.get("passes/:serial", use: show)
        router.patch("passes/:serial", use: update)
        router.get("passes/:serial/pkpass", use: pkpass)
    }

    static func describe(_ record: PassRecord, service: PassService) -> JSONValue {
        .object([
            "serialNumber": .string(record.serialNumber),
            "passTypeIdentifier": .string(record.passTypeIdentifier),
            "template": .string(record.template),
            "variant": record.variant.map(JSONValue.string) ?? .null,
            "values": .object(record.values),
            "updateTag": .string(String(record.updateTag)),
            "modifiedAt": .string(record.modifiedAt.formatted(.iso8601)),
        ])
    }

    /// A template value's text: a back field's terms and conditions fit, a pass of megabytes does not.
    static let valueLimit = TextLimit(characters: 2000)
    /// Template, variant and serial names.
    static let nameLimit = TextLimit(characters: 64)

    static func values(_ body: [String: JSONValue]) throws -> [String: JSONValue]? {
        guard let v = body["values"] else { return nil }
        guard case .object(let o) = v else { throw APIError.unprocessable("values must be an object", field: "values") }
        for (name, value) in o {
            // Checked before it is echoed in a field's name.
            guard nameLimit.allows(name) else { throw APIError.unprocessable("values: a variable name is over \(nameLimit.characters) characters", field: "values") }
            if case .string(let text) = value { try valueLimit.validate(text, field: "values.\(name)") }
        }
        return o
    }

    static func optionalString(_ body: [String: JSONValue], _ key: String) throws -> String? {
        switch body[key] {
        case nil, .null?: return nil
        case .string(let s)?:
            try nameLimit.validate(s, field: key)
            return s
        default: throw APIError.unprocessable("\(key) must be a string", field: key)
        }
    }

    @Sendable func create(_ request: Request, context: Context) async throws -> Response {
        _ = try context.require(.admin)
        let body = try await request.jsonObject(limit: maxBodyBytes)
        guard let template = try Self.optionalString(body, "template") else { throw APIError.unprocessable("template is required", field: "template") }
        let serial = try Self.optionalString(body, "serialNumber")
        if let serial {
            guard !serial.isEmpty, serial.utf8.count <= 64, serial.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0)) }), !serial.contains("..") else {
                throw APIError.unprocessable("serialNumber: 1–64 characters of A–Z, a–z, 0–9, - _ .", field: "serialNumber")
            }
        }
        do {
            let record = try await service.createPass(
                template: template, variant: try Self.optionalString(body, "variant"), values: try Self.values(body), serialNumber: serial)
            return .json(Self.describe(record, service: service), status: .created)
        } catch let error as DatabaseQueryError where error.isUniqueViolation {
            throw APIError(.conflict, "a pass with serial number \(serial ?? "") already exists", field: "serialNumber")
        }
    }

    func record(_ context: Context) async throws -> PassRecord {
        let serial = try context.parameters.segment("serial")
        guard let record = try await service.pass(serialNumber: serial) else {
            throw APIError.notFound("no pass with serial number \(serial)")
        }
        return record
    }

    @Sendable func show(_ request: Request, context: Context) async throws -> Response {
        _ = try context.require(.admin)
        return .json(Self.describe(try await record(context), service: service))
    }

    @Sendable func update(_ request: Request, context: Context) async throws -> Response {
        _ = try context.require(.admin)
        let serial = try context.parameters.segment("serial")
        let body = try await request.jsonObject(limit: maxBodyBytes)
        let values = try Self.values(body) ?? [:]
        let variant = try Self.optionalString(body, "variant")
        guard !values.isEmpty || variant != nil else { throw APIError.unprocessable("nothing to change: give values and/or variant", field: "values") }
        guard let record = try await service.updatePass(serialNumber: serial, values: values, variant: variant) else {
            throw APIError.notFound("no pass with serial number \(serial)")
        }
        return .json(Self.describe(record, service: service))
    }

    @Sendable func pkpass(_ request: Request, context: Context) async throws -> Response {
        _ = try context.require(.admin)
        let record = try await record(context)
        let bytes = try await service.signedPass(record)
        return Response(
            status: .ok,
            headers: [.contentType: "application/vnd.apple.pkpass", .contentDisposition: "attachment; filename=\"\(record.serialNumber).pkpass\"",
                      .lastModified: HTTPDate.format(record.modifiedAt)],
            body: .init(byteBuffer: bytes))
    }
}
