import Core
import Foundation
import GoogleWallet
import Logging
import PassBuilder
import Storage

/// Google Wallet: the program's classes, each card's object kept current through the outbox on
/// its row (``GoogleWalletStore``), broadcast messages, save links and the save/delete callbacks.
/// Exists only when `PASSLINE_GOOGLE_ISSUER_ID` and `PASSLINE_GOOGLE_SERVICE_ACCOUNT` are set.
public final class GoogleWalletService: Sendable {
    let configuration: GoogleWalletConfiguration
    let client: GoogleWalletClient
    public let store: GoogleWalletStore
    let broadcasts: BroadcastStore
    let loyalty: LoyaltyService
    let mapping: GoogleWalletMapping
    let verifier: GoogleCallbackVerifier?
    /// Signalled when something is due now (a card issued, a save link asked for).
    let wakeup = ChangeSignal()
    let logger: Logger

    init(
        configuration: GoogleWalletConfiguration, send: @escaping GoogleSend, database: any Database, loyalty: LoyaltyService,
        mapping: GoogleWalletMapping, logger: Logger
    ) {
        self.configuration = configuration
        self.client = GoogleWalletClient(configuration: configuration, send: send)
        self.store = GoogleWalletStore(database: database)
        self.broadcasts = BroadcastStore(database: database)
        self.loyalty = loyalty
        self.mapping = mapping
        self.verifier = configuration.callbackKeys.map { GoogleCallbackVerifier(issuerID: configuration.issuerID, rootKeys: $0) }
        self.logger = logger
    }

    // MARK: classes

    /// Inserts or updates every variant's class (insert → 409 → update). False if any is not
    /// current yet (Google unreachable: the worker tries again).
    func syncClasses() async -> Bool {
        var done = true
        for variant in mapping.variants {
            let loyaltyClass = mapping.loyaltyClass(variant: variant)
            var outcome = await client.insertClass(loyaltyClass)
            if case .conflict = outcome { outcome = await client.updateClass(loyaltyClass) }
            switch outcome {
            case .ok: continue
            case .rejected(let status, let message):
                logger.error("Google Wallet refused the class \(loyaltyClass.id): \(status.map(String.init) ?? "-") \(message)")
                done = false
            default:
                logger.warning("Google Wallet class \(loyaltyClass.id) not sent yet: \(outcome)")
                done = false
            }
        }
        return done
    }

    // MARK: objects

    /// The card's object row, made (due at once) if it has none.
    func ensureObject(_ card: CardRecord, now: Date = Date()) async throws -> GoogleObjectRecord {
        let live = try await livePass(card)
        guard let record = try await store.ensureObject(
            cardNumber: card.number, objectID: mapping.objectID(cardNumber: card.number).value,
            classID: mapping.classID(variant: live?.variant).value, now: now)
        else { throw APIError.notFound("no card \(card.number)") }
        if record.dueAt != nil { wakeup.signal() }
        return record
    }

    func livePass(_ card: CardRecord) async throws -> PassRecord? {
        guard let found = try await broadcasts.passWithCard(passTypeIdentifier: card.passTypeIdentifier, serialNumber: card.serialNumber),
              let liveCard = found.card
        else { return nil }
        return CardPassContent.live(found.pass, card: liveCard, promo: found.promo, program: loyalty.program)
    }

    enum SendResult: Equatable { case synced, retry, failed, gone }

    /// Sends the card's current state to Google: an insert when Google doesn't have the object
    /// (409: it does, so an update), else a patch (404: it lost it, so an insert next).
    /// Records the outcome on the row.
    @discardableResult
    func send(_ record: GoogleObjectRecord, now: Date = Date()) async throws -> SendResult {
        guard let card = try await loyalty.ledger.card(number: record.cardNumber), let live = try await livePass(card) else {
            try await store.markFailed(cardNumber: record.cardNumber, error: "the card or its pass no longer exists")
            return .gone
        }
        let object = try mapping.object(card: card, live: live)
        var outcome: GoogleCallOutcome
        // A patch, not a PUT: a PUT would drop the messages broadcasts added.
        let patch = GoogleLoyaltyObjectPatch(
            state: object.state, accountId: object.accountId, accountName: object.accountName, loyaltyPoints: object.loyaltyPoints,
            barcode: object.barcode, textModulesData: object.textModulesData ?? [])
        if record.inserted {
            outcome = await client.patchObject(id: object.id, patch)
            if case .notFound = outcome {
                try await store.markMissing(cardNumber: record.cardNumber, now: now)
                return .retry
            }
        } else {
            outcome = await client.insertObject(object)
            if case .notFound = outcome, await syncClasses() {
                // Its class isn't there yet (a card saved while the start's class sync is still under way).
                outcome = await client.insertObject(object)
            }
            if case .conflict = outcome { outcome = await client.patchObject(id: object.id, patch) }
        }
        switch outcome {
        case .ok:
            try await store.markSynced(cardNumber: record.cardNumber, version: record.version, now: now)
            return .synced
        case .retryLater(let reason):
            try await store.markRetry(cardNumber: record.cardNumber, error: reason.description, retryAfter: Self.retryAfter(record.attempts), now: now)
            return .retry
        case .rejected(let status, let message):
            logger.error("Google Wallet refused the object of card \(record.cardNumber): \(status.map(String.init) ?? "-") \(message)")
            try await store.markFailed(cardNumber: record.cardNumber, error: "\(status.map(String.init) ?? "-") \(message)", now: now)
            return .failed
        case .conflict, .notFound:
            try await store.markRetry(cardNumber: record.cardNumber, error: "\(outcome)", retryAfter: Self.retryAfter(record.attempts), now: now)
            return .retry
        }
    }

    /// 5 s, doubling, at most 15 minutes: an hour of Google answering 5xx costs a card a dozen tries.
    static func retryAfter(_ attempts: Int) -> Int64 {
        min(900, 5 << min(attempts, 10))
    }

    // MARK: messages

    /// Google allows 3 messages that notify per object per 24 hours; past that, silently.
    static let notificationsPerDay = 3

    func send(_ message: GoogleMessageRecord, now: Date = Date()) async throws {
        guard let objectID = GoogleWalletID(message.objectID) else {
            try await store.markMessageFailed(id: message.id, error: "bad object id")
            return
        }
        let notify = message.notifiedToday < Self.notificationsPerDay
        let header = message.header.isEmpty ? mapping.messageHeader : message.header
        let google = GoogleMessage(
            header: header, body: message.body, id: "broadcast-\(message.broadcastID)", messageType: notify ? .textAndNotify : .text)
        switch await client.addMessage(objectID: objectID, message: google) {
        case .ok:
            try await store.markMessageSent(id: message.id, notified: notify, now: now)
        case .retryLater(let reason):
            try await store.markMessageRetry(id: message.id, error: reason.description, retryAfter: Self.retryAfter(message.attempts), now: now)
        case .notFound:
            // The object is gone: it is inserted again (with the promo text) before the message is retried.
            try await store.markMissing(cardNumber: message.cardNumber, now: now)
            try await store.markMessageRetry(id: message.id, error: "object not found", retryAfter: 5, now: now)
        case .conflict:
            try await store.markMessageSent(id: message.id, notified: false, now: now)
        case .rejected(let status, let text):
            try await store.markMessageFailed(id: message.id, error: "\(status.map(String.init) ?? "-") \(text)")
        }
    }

    // MARK: save links

    /// A "Save to Google Wallet" link for the cards (a household's), each object inserted first:
    /// the link holds only ids. Throws when Google can't be reached now.
    func saveLink(for cards: [CardRecord], now: Date = Date()) async throws -> (url: String, objects: [GoogleObjectRecord]) {
        var objects: [GoogleObjectRecord] = []
        for card in cards {
            var record = try await ensureObject(card, now: now)
            if !record.inserted {
                let result = try await send(record, now: now)
                guard result == .synced, let fresh = try await store.object(cardNumber: card.number) else {
                    throw APIError(.serviceUnavailable, "Google Wallet can't be reached now; try again in a minute")
                }
                record = fresh
            }
            objects.append(record)
        }
        let link = try GoogleSaveLink(
            objects: objects.compactMap { o in
                guard let id = GoogleWalletID(o.objectID), let classID = GoogleWalletID(o.classID) else { return nil }
                return GoogleSaveLink.Object(id: id, classId: classID)
            },
            configuration: configuration, issuedAt: now)
        return (link.url, objects)
    }

    /// Logs, once at start, what of the template Google Wallet cannot show.
    func reportUnmapped() {
        let unmapped = mapping.unmapped()
        if !unmapped.isEmpty {
            logger.notice("Google Wallet: the \(mapping.template.name) template has what Google Wallet cannot show: \(unmapped.joined(separator: "; "))")
        }
    }
}

/// The ids a card's Google object gets: known before any Google call, so issuing a card can make
/// its object's row in the same transaction.
struct GoogleObjectIDs: Sendable {
    let mapping: GoogleWalletMapping
    func object(_ cardNumber: String) -> String { mapping.objectID(cardNumber: cardNumber).value }
    func `class`(_ variant: String?) -> String { mapping.classID(variant: variant).value }
}
