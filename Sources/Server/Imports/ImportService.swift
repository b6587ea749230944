import Core
import Crypto
import Foundation
import Logging
import Loyalty
import PassBuilder
import Storage

/// Imports an existing client base from CSV, and exports cards and the ledger.
///
/// ``accept(_:idempotencyKey:requestHash:owner:)`` reads and checks the whole file
/// (``ImportCSV``, then the cards already in the database) and stores it as a queued import;
/// ``run(id:owner:progress:)`` writes it in batches (``ImportStore/runBatch(id:owner:file:size:leaseSeconds:program:settings:now:beforeCommit:)``),
/// from the server's ``ImportWorker`` or from `passline import`.
public final class ImportService: Sendable {
    public struct Options: Sendable {
        /// Rows per batch, one transaction each (at most 1,000: the batch's statements bind a value list per column).
        public var batchSize = 1000
        /// How long a lease lasts without a batch renewing it.
        public var leaseSeconds: Int64 = 30
        /// How often the worker looks for work without a wakeup (other servers' imports, lapsed leases).
        public var pollInterval: Duration = .seconds(2)
        /// Consecutive batch errors before the import is marked failed.
        public var maxFailures = 10

        public init() {}
    }

    let database: any Database
    let loyalty: LoyaltyService
    let logger: Logger
    public let store: ImportStore
    let options: Options
    /// Signalled when an import is accepted: the worker looks for work at once.
    let wakeup = ChangeSignal()
    /// Runs just before each batch commits (tests throw there to simulate a crash).
    let beforeCommit: @Sendable () async throws -> Void

    init(database: any Database, loyalty: LoyaltyService, logger: Logger, options: Options = Options(), beforeCommit: @escaping @Sendable () async throws -> Void = {}) {
        self.database = database
        self.loyalty = loyalty
        self.logger = logger
        self.options = options
        self.beforeCommit = beforeCommit
        store = ImportStore(database: database)
    }

    // MARK: accepting

    /// Checks a whole file and stores it as an import (queued, or leased to `owner` who runs it).
    /// - Throws: ``ImportRefusal`` naming every bad line; nothing is written then.
    public func accept(_ bytes: [UInt8], idempotencyKey: String? = nil, requestHash: String? = nil, owner: String? = nil) async throws -> ImportCreation {
        // A replay answers before the file is read again.
        if let key = idempotencyKey, let found = try await store.existing(idempotencyKey: key, requestHash: requestHash) { return found }
        let file = try ImportCSV.parse(bytes, program: loyalty.program)
        let conflicts = try await conflicts(file)
        guard conflicts.isEmpty else { throw ImportRefusal(lines: conflicts) }
        let hash = Hex.encode(SHA256.hash(data: bytes))
        let creation = try await store.create(
            NewImport(file: bytes, fileHash: hash, rows: Int64(file.rows.count), idempotencyKey: idempotencyKey, requestHash: requestHash),
            owner: owner, leaseSeconds: options.leaseSeconds)
        if case .created(let record) = creation {
            logger.info("import \(record.id): accepted, \(record.rows) rows")
            wakeup.signal()
        }
        return creation
    }

    /// Rows that clash with cards already in the database: a card number issued to another
    /// household, an external id carried by another card. (A number or id on a card of the same
    /// household is that row's card: the row is counted as existing.)
    func conflicts(_ file: ImportFile) async throws -> [ImportRefusal.Line] {
        let existing = try await store.existingCards(numbers: Array(file.numbers), externalIDs: Array(file.externalIDs))
        let byNumber = Dictionary(existing.map { ($0.number, $0) }, uniquingKeysWith: { a, _ in a })
        let byExternalID = Dictionary(existing.compactMap { c in c.externalID.map { ($0, c) } }, uniquingKeysWith: { a, _ in a })
        var bad: [ImportRefusal.Line] = []
        for row in file.rows {
            if let n = row.number, let card = byNumber[n], card.phone != row.phone {
                bad.append(.init(line: row.line, reason: "card number \(n) is already issued to another household (phone \(card.phone))"))
            }
            if let e = row.externalID, let card = byExternalID[e] {
                if card.phone != row.phone {
                    bad.append(.init(line: row.line, reason: "external_id \(e) already belongs to card \(card.number) of another household"))
                } else if let n = row.number, n != card.number {
                    bad.append(.init(line: row.line, reason: "external_id \(e) already belongs to card \(card.number), not \(n)"))
                }
            }
        }
        return bad
    }

    // MARK: running

    /// How the batches make each card's pass and Google Wallet object, as ``LoyaltyService/issue(_:now:)`` does.
    func passSettings() throws -> ImportPassSettings {
        let variables = try loyalty.passes.factory(loyalty.template).template.manifest.variables
        let (memberSince, promo) = (variables["memberSince"] != nil, variables["promo"] != nil)
        var googleIDs: (@Sendable (String, String?) -> (object: String, class: String))?
        if let ids = loyalty.google {
            googleIDs = { number, variant in (object: ids.object(number), class: ids.class(variant)) }
        }
        let passes = loyalty.passes
        return ImportPassSettings(
            // Marked with the secret generation, as every pass the server makes (``PassService/newSerialNumber()``).
            passTypeIdentifier: passes.passTypeIdentifier, template: loyalty.template, serialNumber: { passes.newSerialNumber() },
            passValues: { now in
                var stored: [String: JSONValue] = [:]
                if memberSince { stored["memberSince"] = .string(now.formatted(.iso8601)) }
                if promo { stored["promo"] = .string("") }
                return stored
            },
            googleIDs: googleIDs)
    }

    static var stopping: Bool { Task.isCancelled || Task.isShuttingDownGracefully }

    /// Runs an import's batches until it is done, failed or not `owner`'s any more, calling
    /// `progress` after each; returns the import as it was left. A batch that fails is tried
    /// again (with back-off) from the committed cursor; ``Options/maxFailures`` in a row fail the
    /// import. Stopping (cancelled, or a graceful shutdown) gives the lease up for another runner.
    @discardableResult
    public func run(id: Int64, owner: String, progress: @Sendable (ImportRecord) -> Void = { _ in }) async -> ImportRecord? {
        let file: ImportFile
        let settings: ImportPassSettings
        do {
            guard let bytes = try await store.file(id: id) else { return nil }
            // Parsed again on every run: the stored file is the import's one source.
            file = try ImportCSV.parse(bytes, program: loyalty.program)
            settings = try passSettings()
        } catch let refusal as ImportRefusal {
            try? await store.fail(id: id, reason: "the file no longer passes the checks (has the program changed?): \(refusal)")
            return try? await store.record(id: id)
        } catch {
            logger.warning("import \(id): cannot start: \(error)")
            try? await store.release(id: id, owner: owner)
            return try? await store.record(id: id)
        }
        var failures = 0
        while !Self.stopping {
            do {
                let outcome = try await store.runBatch(
                    id: id, owner: owner, file: file, size: min(options.batchSize, 1000), leaseSeconds: options.leaseSeconds,
                    program: loyalty.program, settings: settings, beforeCommit: beforeCommit)
                failures = 0
                if let record = outcome.record { progress(record) }
                switch outcome.kind {
                case .progressed:
                    continue
                case .finished:
                    if let r = outcome.record {
                        logger.info("import \(id): done, \(r.cardsCreated) cards created, \(r.cardsExisting) existing, \(r.householdsCreated) households, \(r.openingPoints) opening points")
                    }
                    return outcome.record
                case .stopped:
                    return try? await store.record(id: id)
                }
            } catch {
                failures += 1
                logger.warning("import \(id): batch failed (\(failures)/\(options.maxFailures)): \(error)")
                if failures >= options.maxFailures {
                    try? await store.fail(id: id, reason: "\(error)")
                    return try? await store.record(id: id)
                }
                // Backs off 0.1 s, 0.2 s, … up to 5 s; the batch reruns from the committed cursor.
                try? await Task.sleep(for: .milliseconds(Int(min(5.0, 0.1 * Double(1 << min(failures, 6))) * 1000)))
            }
        }
        try? await store.release(id: id, owner: owner)
        return try? await store.record(id: id)
    }
}
