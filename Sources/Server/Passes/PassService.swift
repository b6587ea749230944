import Core
import Crypto
import Foundation
import Logging
import NIOCore
import PassBuilder
import Storage

/// Passes as the server sees them: templates and their factories, the registry, the signed-pass
/// cache and the authentication tokens.
public final class PassService: Sendable {
    public let store: RegistryStore
    public let tokens: AuthenticationTokens
    public let signer: any PassSigner
    public let webServiceURL: String
    let factories: [String: PassFactory]
    let cache: PassCache
    let versions: PassVersionCache
    let metrics: ServerMetrics
    /// What a pass shows beyond its stored values (a loyalty card's balance, tier, holder, promo).
    /// Set at `init`, like everything here: a closure kept in a `Mutex` and installed later was
    /// re-abstracted on every `withLock`, and each fetch made the next one slower.
    let content: any PassContent
    /// Told of every pass version a device fetched.
    let fetches: (any PassFetchObserver)?

    /// The pass as it is signed, live values filled in; nil when there is no such pass.
    func livePass(passTypeIdentifier: String, serialNumber: String) async throws -> PassRecord? {
        try await content.livePass(passTypeIdentifier: passTypeIdentifier, serialNumber: serialNumber)
    }

    /// A device fetched this version of a pass (a 200 of the web service).
    func noteFetched(passTypeIdentifier: String, serialNumber: String, updateTag: Int64) {
        fetches?.noteFetch(PassFetch(passTypeIdentifier: passTypeIdentifier, serialNumber: serialNumber, updateTag: updateTag))
    }

    public var passTypeIdentifier: String { signer.identity.passTypeIdentifier }

    /// Loads every template folder under `templatesDirectory` (a folder with a template.json).
    /// A template with lint errors stops the start, naming the file and the problem.
    /// `content` fills in live values (nil: passes are signed as stored); `fetches` hears of
    /// every version a device fetched.
    init(
        store: RegistryStore, signer: any PassSigner, tokens: AuthenticationTokens, templatesDirectory: String, webServiceURL: String,
        cacheBytes: Int, metrics: ServerMetrics, content: (any PassContent)? = nil, fetches: (any PassFetchObserver)? = nil
    ) throws {
        self.store = store
        self.content = content ?? StoredPassContent(store: store)
        self.fetches = fetches
        self.signer = signer
        self.tokens = tokens
        self.webServiceURL = webServiceURL
        self.metrics = metrics
        cache = PassCache(capacityBytes: cacheBytes)
        versions = PassVersionCache(epoch: store.database.versions, tokens: tokens)
        var factories: [String: PassFactory] = [:]
        let root = URL(fileURLWithPath: templatesDirectory)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: templatesDirectory)) ?? []
        for name in names.sorted() where FileManager.default.fileExists(atPath: root.appendingPathComponent(name).appendingPathComponent("template.json").path) {
            let template = try PassTemplate.load(from: root.appendingPathComponent(name).path)
            factories[name] = try PassFactory(template: template, signer: signer, webServiceURL: webServiceURL)
        }
        guard !factories.isEmpty else {
            throw TemplateError(file: templatesDirectory, message: "no templates (folders with a template.json) found")
        }
        self.factories = factories
    }

    public var templateNames: [String] { factories.keys.sorted() }

    /// A new serial: 20 random base32 characters (100 bits), safe in URLs and paths.
    static func newSerialNumber() -> String {
        RandomToken.string(20, alphabet: Array("ABCDEFGHJKLMNPQRSTUVWXYZ23456789"))
    }

    /// A new pass's serial number, marked with the secret generation its token is keyed by.
    func newSerialNumber() -> String {
        tokens.serialPrefix + Self.newSerialNumber()
    }

    func factory(_ template: String) throws -> PassFactory {
        guard let f = factories[template] else {
            throw APIError.unprocessable("unknown template \"\(template)\" (known: \(templateNames.joined(separator: ", ")))", field: "template")
        }
        return f
    }

    /// Checks values against the template (types, variant, every placeholder filled) by rendering
    /// pass.json without signing, so a bad request fails before anything is stored.
    func validate(template: String, variant: String?, values: [String: JSONValue]) throws {
        let f = try factory(template)
        do {
            let v = try f.template.variant(named: variant)
            let coerced = try f.template.coerce(values)
            _ = try TemplateRenderer.render(f.template.passJSON(variant: v), values: coerced.merging([PassFactory.tokenVariable: .string("")]) { a, _ in a }, file: f.template.passFile)
        } catch {
            throw APIError.unprocessable(error.message, field: error.message.contains("variant") ? "variant" : "values")
        }
    }

    public func createPass(template: String, variant: String?, values: [String: JSONValue]?, serialNumber: String? = nil) async throws -> PassRecord {
        let f = try factory(template)
        let serial = serialNumber ?? newSerialNumber()
        var values = values ?? f.template.manifest.sampleValues
        if f.template.manifest.variables["serialNumber"] != nil { values["serialNumber"] = .string(serial) }
        try validate(template: template, variant: variant, values: values)
        return try await store.createPass(
            passTypeIdentifier: passTypeIdentifier, serialNumber: serial, template: template, variant: variant, values: values)
    }

    public func updatePass(serialNumber: String, values: [String: JSONValue], variant: String?) async throws -> PassRecord? {
        guard let current = try await store.pass(passTypeIdentifier: passTypeIdentifier, serialNumber: serialNumber) else { return nil }
        var merged = current
        merged.values = current.values.merging(values) { _, new in new }
        if merged.values["serialNumber"] != nil { merged.values["serialNumber"] = .string(serialNumber) }
        merged.variant = variant ?? current.variant
        // A loyalty card's pass gets balance, tier and holder live: validate with them filled in.
        merged = try await content.live(merged)
        try validate(template: current.template, variant: merged.variant, values: merged.values)
        return try await store.updatePass(
            passTypeIdentifier: passTypeIdentifier, serialNumber: serialNumber, mergingValues: values.filter { $0.key != "serialNumber" }, variant: variant)
    }

    /// The signed .pkpass for this version of the pass (cached; signed once per version).
    public func signedPass(_ record: PassRecord) async throws -> ByteBuffer {
        return try await signed(record) { [content] in try await content.live(record) }
    }

    /// The pass's current version, from the version cache while no write has committed since it
    /// was read. On a miss the whole pass is read, live values filled in, and returned too: a
    /// changed pass is about to be signed, and this spares a second read. Nil when there is no such pass.
    func current(passTypeIdentifier: String, serialNumber: String) async throws -> (entry: PassVersionCache.Entry, loaded: PassRecord?)? {
        try await versions.version(passTypeIdentifier: passTypeIdentifier, serialNumber: serialNumber) {
            try await livePass(passTypeIdentifier: passTypeIdentifier, serialNumber: serialNumber).map { record in
                (PassVersion(template: record.template, updateTag: record.updateTag, modifiedAt: record.modifiedAt), record)
            }
        }
    }

    /// The signed pass for a version: from the cache, or signed from `live` (the pass as
    /// ``current(passTypeIdentifier:serialNumber:)`` read it), or read and signed. Nil when the
    /// pass no longer exists.
    func signedPass(passTypeIdentifier: String, serialNumber: String, version: PassVersion, live: PassRecord?) async throws -> ByteBuffer? {
        let key = PassCache.Key(passTypeIdentifier: passTypeIdentifier, serialNumber: serialNumber, updateTag: version.updateTag)
        if let bytes = cache.cached(key) {
            metrics.cacheHits.increment()
            metrics.passesServed.increment()
            return bytes
        }
        var record = live
        if record == nil { record = try await livePass(passTypeIdentifier: passTypeIdentifier, serialNumber: serialNumber) }
        guard let record else { return nil }
        return try await signed(record) { record }
    }

    /// The signed .pkpass for this version of the pass, cached under its tag; `complete` makes
    /// the pass as signed (run on a miss only).
    private func signed(_ record: PassRecord, complete: @escaping @Sendable () async throws -> PassRecord) async throws -> ByteBuffer {
        let key = PassCache.Key(passTypeIdentifier: record.passTypeIdentifier, serialNumber: record.serialNumber, updateTag: record.updateTag)
        let result = try await cache.value(for: key) { try self.sign(try await complete()) }
        (result.hit ? metrics.cacheHits : metrics.cacheMisses).increment()
        metrics.passesServed.increment()
        return result.bytes
    }

    func sign(_ record: PassRecord) throws -> ByteBuffer {
        let factory = try factory(record.template)
        let token = tokens.token(passTypeIdentifier: record.passTypeIdentifier, serialNumber: record.serialNumber)
        let start = ContinuousClock.now
        let built = try factory.build(PassRequest(values: record.values, variant: record.variant, authenticationToken: token, signingTime: Date()))
        let elapsed = (ContinuousClock.now - start).components
        metrics.signingSeconds.recordNanoseconds(elapsed.seconds * 1_000_000_000 + elapsed.attoseconds / 1_000_000_000)
        return ByteBuffer(bytes: built.pkpass)
    }
}
