import Foundation
import Loyalty
import PassBuilder

/// Where an import stands.
public enum ImportState: String, Sendable, Hashable, Codable, CaseIterable {
    /// Accepted (the whole file checked), waiting for a worker.
    case queued
    /// A worker is taking its batches; resumed from the cursor after a restart.
    case running
    /// Every row is imported or counted as existing.
    case done
    /// Stopped by an error that retrying did not cure (``ImportRecord/error`` says which).
    case failed
}

/// An import of an existing client base: its file's hash, progress and counts.
public struct ImportRecord: Sendable, Hashable {
    public var id: Int64
    public var state: ImportState
    /// SHA-256 of the file, hex: opening balances' business keys derive from it.
    public var fileHash: String
    /// Data rows of the file (the header and blank lines not counted).
    public var rows: Int64
    /// Rows done so far (imported or counted as existing): the next batch starts here.
    public var processed: Int64
    public var cardsCreated: Int64
    /// Rows whose card already existed (by number, external id, or phone and name): left as they are.
    public var cardsExisting: Int64
    public var householdsCreated: Int64
    /// Points credited by opening-balance entries.
    public var openingPoints: Int64
    public var error: String?
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    /// The caller's fingerprint of the request that created it (for an idempotency key's replay).
    public var requestHash: String?
}

/// An accepted file to store as a new import.
public struct NewImport: Sendable, Hashable {
    public var file: [UInt8]
    public var fileHash: String
    public var rows: Int64
    /// Scoped per caller by the API; a repeat with the same key returns the first import.
    public var idempotencyKey: String?
    public var requestHash: String?

    public init(file: [UInt8], fileHash: String, rows: Int64, idempotencyKey: String? = nil, requestHash: String? = nil) {
        self.file = file
        self.fileHash = fileHash
        self.rows = rows
        self.idempotencyKey = idempotencyKey
        self.requestHash = requestHash
    }
}

/// What ``ImportStore/create(_:now:)`` did.
public enum ImportCreation: Sendable, Hashable {
    case created(ImportRecord)
    /// The idempotency key was used before for the same request: that import.
    case replayed(ImportRecord)
    /// The idempotency key was used before for a different request.
    case keyMismatch
}

/// One checked row of an import file, as a batch writes it.
public struct ImportRow: Sendable, Hashable {
    /// The line in the file (1-based, as an editor shows it): the opening entry's business key ends in it.
    public var line: Int
    public var name: String
    public var phone: PhoneNumber
    public var externalID: String?
    /// A supplied (plastic) number, upper-cased; nil makes a virtual one from the phone.
    public var number: String?
    /// Opening points (0: no entry).
    public var balance: Int64
    /// Turnover carried over, minor units.
    public var turnover: Int64
    /// The tier the row names, if any.
    public var tier: String?
    public var status: CardStatus

    public init(
        line: Int, name: String, phone: PhoneNumber, externalID: String? = nil, number: String? = nil, balance: Int64 = 0, turnover: Int64 = 0,
        tier: String? = nil, status: CardStatus = .active
    ) {
        self.line = line
        self.name = name
        self.phone = phone
        self.externalID = externalID
        self.number = number
        self.balance = balance
        self.turnover = turnover
        self.tier = tier
        self.status = status
    }
}

/// A whole checked file: its rows in file order, and what a batch must know of the rest of it.
public struct ImportFile: Sendable {
    public var rows: [ImportRow]
    /// Every supplied card number of the file: a virtual number made for one row never takes one of them.
    public var numbers: Set<String>
    /// Every external id of the file: a row without one is not matched to a card that carries one of them.
    public var externalIDs: Set<String>
    /// The tier each phone's household starts in when the import creates it (the highest tier its rows name).
    public var householdTiers: [PhoneNumber: String]
    /// For a row with neither a number nor an external id: which occurrence of its phone and name
    /// it is in the file (1, 2, …). It is an existing card when the household already has that many
    /// cards of that name; 0 for the other rows.
    public var occurrences: [Int]

    public init(rows: [ImportRow], householdTiers: [PhoneNumber: String] = [:]) {
        self.rows = rows
        self.householdTiers = householdTiers
        numbers = Set(rows.compactMap(\.number))
        externalIDs = Set(rows.compactMap(\.externalID))
        var seen: [NameKey: Int] = [:]
        occurrences = rows.map { row in
            guard row.number == nil, row.externalID == nil else { return 0 }
            let key = NameKey(phone: row.phone, name: row.name)
            seen[key, default: 0] += 1
            return seen[key]!
        }
    }
}

/// A household's phone and a card holder's name: how a virtual card is recognised again.
struct NameKey: Hashable, Sendable {
    var phone: PhoneNumber
    var name: String
}

/// How an imported card's pass and Google Wallet object are made: from the server's pass type,
/// template and (when Google Wallet is on) its ids.
public struct ImportPassSettings: Sendable {
    public var passTypeIdentifier: String
    public var template: String
    /// A new serial number for each card's pass.
    public var serialNumber: @Sendable () -> String
    /// The pass's stored values (what is not read live), given the issue time.
    public var passValues: @Sendable (Date) -> [String: JSONValue]
    /// Google Wallet object and class ids of a card (number, variant); nil when Google Wallet is off.
    public var googleIDs: (@Sendable (String, String?) -> (object: String, class: String))?

    public init(
        passTypeIdentifier: String, template: String, serialNumber: @escaping @Sendable () -> String,
        passValues: @escaping @Sendable (Date) -> [String: JSONValue],
        googleIDs: (@Sendable (String, String?) -> (object: String, class: String))?
    ) {
        self.passTypeIdentifier = passTypeIdentifier
        self.template = template
        self.serialNumber = serialNumber
        self.passValues = passValues
        self.googleIDs = googleIDs
    }
}

/// What one batch did.
public struct ImportBatchOutcome: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// A batch committed; more rows are left.
        case progressed
        /// The last batch committed, or none was left: the import is done.
        case finished
        /// The import is not this worker's to run (finished, failed, or leased by another).
        case stopped
    }

    public var kind: Kind
    public var record: ImportRecord?
}
