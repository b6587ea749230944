import Core
import Crypto
import Foundation

/// What one pass is built from.
public struct PassRequest: Sendable {
    /// Template variable values (see the template's `template.json`).
    public var values: [String: JSONValue]
    /// A template variant (e.g. a loyalty tier); `nil` uses the template's default.
    public var variant: String?
    /// Required when the factory has a web service URL; must not change between updates of a pass.
    public var authenticationToken: String?
    public var signingTime: Date

    public init(values: [String: JSONValue], variant: String? = nil, authenticationToken: String? = nil, signingTime: Date = Date()) {
        self.values = values
        self.variant = variant
        self.authenticationToken = authenticationToken
        self.signingTime = signingTime
    }
}

/// A signed, zipped pass and its parts.
public struct BuiltPass: Sendable {
    public let serialNumber: String
    public let passJSON: [UInt8]
    public let manifest: [UInt8]
    public let signature: [UInt8]
    /// The `.pkpass` archive (`application/vnd.apple.pkpass`).
    public let pkpass: [UInt8]
}

/// Builds signed passes from one template and one signer.
///
/// Everything that does not depend on the pass is done once at init: the template is linted,
/// each variant's pass.json is compiled to a ``RenderPlan`` with the identity and web service
/// URL baked in, and the static files are hashed (SHA-1 for the manifest, CRC-32 for the zip)
/// and laid out as zip entries. Per pass only pass.json, manifest.json and the signature are new.
public final class PassFactory: Sendable {
    public let template: PassTemplate
    public let signer: any PassSigner
    public let webServiceURL: String?
    private let prepared: [String: Prepared]

    /// The reserved variable the per-pass authenticationToken renders from.
    public static let tokenVariable = "$authenticationToken"

    struct Prepared: Sendable {
        var plan: RenderPlan
        var staticZip: ZipWriter
        var manifestHead: [UInt8]
        var manifestTail: [UInt8]
        var serial: TemplateString
    }

    /// - Throws: ``TemplateError`` when the template has lint errors (the first is reported).
    public init(template: PassTemplate, signer: any PassSigner, webServiceURL: String? = nil) throws(TemplateError) {
        self.template = template
        self.signer = signer
        self.webServiceURL = webServiceURL
        let errors = TemplateLinter.lint(template).filter { $0.severity == .error }
        if let first = errors.first {
            throw TemplateError(
                file: first.file, path: first.path,
                message: "[\(first.rule.rawValue)] \(first.message)\(errors.count > 1 ? " (and \(errors.count - 1) more; run `passline template lint \(template.directory)`)" : "")")
        }
        var prepared: [String: Prepared] = [:]
        // nil: no variant asked for and no default, so pass.json and the root files as they are.
        let names: [String?] = [nil] + (template.manifest.variants ?? [:]).keys.sorted().map { $0 }
        for variant in names {
            prepared[variant ?? ""] = Self.prepare(template: template, variant: variant, identity: signer.identity, webServiceURL: webServiceURL)
        }
        self.prepared = prepared
    }

    static func prepare(template: PassTemplate, variant: String?, identity: PassIdentity, webServiceURL: String?) -> Prepared {
        var tree = template.passJSON(variant: variant)
        var patch: [String: JSONValue] = [
            "passTypeIdentifier": .string(identity.passTypeIdentifier),
            "teamIdentifier": .string(identity.teamIdentifier),
            "webServiceURL": .null,
            "authenticationToken": .null,
        ]
        if let webServiceURL {
            patch["webServiceURL"] = .string(webServiceURL)
            patch["authenticationToken"] = .string("{{\(tokenVariable)}}")
        }
        tree = tree.merging(patch: .object(patch))
        let files = template.bundleFiles(variant: variant).filter { $0.key != "manifest.json" && $0.key != "signature" }
        var zip = ZipWriter(capacity: files.values.reduce(0) { $0 + $1.count } + 16_384)
        var manifest: [String: String] = [:]
        for name in files.keys.sorted() {
            let entry = ZipWriter.Entry(name: name, data: files[name]!)
            zip.add(entry)
            manifest[name] = Hex.encode(Insecure.SHA1.hash(data: entry.data))
        }
        // manifest.json is compact JSON with sorted keys; pass.json's hash goes in its sorted place.
        // A 40-character marker (hex never contains "-") reserves exactly the digest's place.
        let marker = String(repeating: "-", count: 40)
        manifest["pass.json"] = marker
        let text = JSONValue.object(manifest.mapValues(JSONValue.string)).serialized()
        let hole = text.firstRange(of: Array("\"\(marker)\"".utf8))!
        return Prepared(
            plan: RenderPlan(tree: tree, file: template.passFile), staticZip: zip,
            manifestHead: Array(text[..<(hole.lowerBound + 1)]), manifestTail: Array(text[(hole.upperBound - 1)...]),
            serial: TemplateString(tree["serialNumber"]?.stringValue ?? ""))
    }

    /// Renders, hashes, signs and zips one pass.
    public func build(_ request: PassRequest) throws -> BuiltPass {
        let variant = try template.variant(named: request.variant)
        guard let prepared = prepared[variant ?? ""] else {
            throw TemplateError(file: template.directory, message: "unknown variant \"\(variant ?? "")\"")
        }
        var values = try template.coerce(request.values)
        if webServiceURL != nil {
            guard let token = request.authenticationToken, token.count >= 16 else {
                throw TemplateError(file: template.passFile, path: JSONPath.root.appending("authenticationToken"), message: "a pass with a web service needs an authenticationToken of at least 16 characters")
            }
            values[Self.tokenVariable] = .string(token)
        }
        let resolved = try prepared.plan.resolve(values)
        let serial: String
        switch prepared.serial {
        case .literal(let s): serial = s
        case .whole(let name): serial = values[name]?.interpolationText ?? ""
        case .interpolated(let pieces):
            serial = pieces.map { piece in
                switch piece {
                case .text(let t): t
                case .variable(let n): values[n]?.interpolationText ?? ""
                }
            }.joined()
        }
        guard !serial.isEmpty else {
            throw TemplateError(file: template.passFile, path: JSONPath.root.appending("serialNumber"), message: "serialNumber is empty")
        }

        var passJSON: [UInt8] = []
        passJSON.reserveCapacity(4096)
        prepared.plan.render(resolved, into: &passJSON)
        var manifest = prepared.manifestHead
        manifest.append(contentsOf: Hex.encodeBytes(Insecure.SHA1.hash(data: passJSON)))
        manifest.append(contentsOf: prepared.manifestTail)
        let signature = try signer.sign(manifest: manifest, signingTime: request.signingTime)

        var zip = prepared.staticZip
        zip.reserve(entries: 3, bytes: passJSON.count + manifest.count + signature.count)
        zip.add(name: "pass.json", data: passJSON)
        zip.add(name: "manifest.json", data: manifest)
        zip.add(name: "signature", data: signature)
        return BuiltPass(serialNumber: serial, passJSON: passJSON, manifest: manifest, signature: signature, pkpass: zip.finish())
    }
}
