import Loyalty
import OpenAPIRuntime
import PassBuilder
import Storage

/// `/api/v1/passes`: the pass API for integrators and the layers above (scope `admin`).
extension PasslineAPI {
    /// A template value's text: a back field's terms and conditions fit, a pass of megabytes does not.
    static let valueLimit = TextLimit(characters: 2000)
    /// Template, variant and serial names.
    static let nameLimit = TextLimit(characters: 64)

    func createPass(_ input: Operations.CreatePass.Input) async throws -> Operations.CreatePass.Output {
        guard case .json(let body) = input.body else { throw APIError.badRequest("a JSON object body is required") }
        try Self.nameLimit.validate(body.template, field: "template")
        let serial = try body.serialNumber.map { s in
            try Self.nameLimit.validate(s, field: "serialNumber")
            guard !s.isEmpty, s.utf8.count <= 64, !s.contains(".."),
                  s.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0)) })
            else { throw APIError.unprocessable("serialNumber: 1–64 characters of A–Z, a–z, 0–9, - _ .", field: "serialNumber") }
            // The server marks its own serials with the secret generation their token is keyed by.
            guard AuthenticationTokens.prefixedGeneration(s) == nil else {
                throw APIError.unprocessable("serialNumber: \"g\" and a number then \"-\" starts the server's own serial numbers; choose another", field: "serialNumber")
            }
            return s
        }
        let variant = try body.variant.map { v in try Self.nameLimit.validate(v, field: "variant"); return v }
        do {
            let record = try await passes.createPass(template: body.template, variant: variant, values: try Self.values(body.values), serialNumber: serial)
            return .created(.init(body: .json(Self.view(record))))
        } catch let error as DatabaseQueryError where error.isUniqueViolation {
            throw APIError(.conflict, "a pass with serial number \(serial ?? "") already exists", field: "serialNumber")
        }
    }

    func getPass(_ input: Operations.GetPass.Input) async throws -> Operations.GetPass.Output {
        .ok(.init(body: .json(Self.view(try await existingPass(input.path.serial)))))
    }

    func updatePass(_ input: Operations.UpdatePass.Input) async throws -> Operations.UpdatePass.Output {
        guard case .json(let body) = input.body else { throw APIError.badRequest("a JSON object body is required") }
        let serial = input.path.serial
        let values = try Self.values(body.values) ?? [:]
        let variant = try body.variant.map { v in try Self.nameLimit.validate(v, field: "variant"); return v }
        guard !values.isEmpty || variant != nil else { throw APIError.unprocessable("nothing to change: give values and/or variant", field: "values") }
        guard let record = try await passes.updatePass(serialNumber: serial, values: values, variant: variant) else {
            throw APIError.notFound("no pass with serial number \(serial)")
        }
        return .ok(.init(body: .json(Self.view(record))))
    }

    func getPassFile(_ input: Operations.GetPassFile.Input) async throws -> Operations.GetPassFile.Output {
        let record = try await existingPass(input.path.serial)
        let bytes = try await passes.signedPass(record)
        return .ok(.init(
            headers: .init(contentDisposition: "attachment; filename=\"\(record.serialNumber).pkpass\"", lastModified: HTTPDate.format(record.modifiedAt)),
            body: .applicationVnd_apple_pkpass(HTTPBody(bytes.readableBytesView))))
    }

    func existingPass(_ serial: String) async throws -> PassRecord {
        guard let record = try await passes.pass(serialNumber: serial) else { throw APIError.notFound("no pass with serial number \(serial)") }
        return record
    }

    /// Template values: an object of names (64 characters at most) to values (texts of 2,000).
    static func values(_ value: JSONValue?) throws -> [String: JSONValue]? {
        guard let value, value != .null else { return nil }
        guard case .object(let o) = value else { throw APIError.unprocessable("values must be an object", field: "values") }
        for (name, value) in o {
            // Checked before it is echoed in a field's name.
            guard nameLimit.allows(name) else { throw APIError.unprocessable("values: a variable name is over \(nameLimit.characters) characters", field: "values") }
            if case .string(let text) = value { try valueLimit.validate(text, field: "values.\(name)") }
        }
        return o
    }

    static func view(_ record: PassRecord) -> Components.Schemas.PassRecord {
        Components.Schemas.PassRecord(
            modifiedAt: record.modifiedAt, passTypeIdentifier: record.passTypeIdentifier, serialNumber: record.serialNumber,
            template: record.template, updateTag: String(record.updateTag), values: .object(record.values), variant: record.variant)
    }
}
