import Core
import Foundation
import Loyalty

/// A download link's row: what it delivers, its generation and its counters.
public struct DownloadLinkRecord: Sendable, Hashable {
    public enum Scope: String, Sendable, Hashable { case card, household }
    public var id: Int64
    public var scope: Scope
    public var cardNumber: String?
    public var accountID: Int64?
    /// Tokens carry the generation they were issued under; a bump revokes them.
    public var generation: Int64
    public var opens: Int64
    public var downloads: Int64
    public var createdAt: Date
    public var revokedAt: Date?
}

/// States of an outbox row (SMS or webhook).
public enum DeliveryState: String, Sendable, Hashable, CaseIterable {
    /// Waiting for its time (`next_at`).
    case queued
    /// Claimed by a worker until `next_at` (a lease); if the worker dies it falls due again.
    case sending
    case sent
    /// Refused or out of attempts: final.
    case failed
    /// Its deadline passed before it could be sent (a code nobody can use any more): final.
    case expired

    public var isFinal: Bool { self == .sent || self == .failed || self == .expired }
}

/// A message of the SMS outbox.
public struct SmsRecord: Sendable, Hashable {
    public var id: Int64
    public var phone: PhoneNumber
    /// `link`, `code`, `accrual`, `debit`.
    public var kind: String
    /// Erased (empty) for codes once final.
    public var text: String
    public var sender: String?
    public var state: DeliveryState
    public var attempts: Int
    public var nextAt: Date
    public var deadline: Date?
    public var lastError: String?
    public var provider: String?
    public var providerID: String?
    public var cardNumber: String?
    public var entryID: Int64?
    public var createdAt: Date
    public var sentAt: Date?
}

/// A message to put in the outbox.
public struct NewSms: Sendable, Hashable {
    public var phone: PhoneNumber
    public var kind: String
    public var text: String
    public var sender: String?
    public var deadline: Date?
    public var cardNumber: String?
    /// For ledger notifications: at most one message per entry.
    public var entryID: Int64?

    public init(phone: PhoneNumber, kind: String, text: String, sender: String? = nil, deadline: Date? = nil, cardNumber: String? = nil, entryID: Int64? = nil) {
        self.phone = phone
        self.kind = kind
        self.text = text
        self.sender = sender
        self.deadline = deadline
        self.cardNumber = cardNumber
        self.entryID = entryID
    }

    /// The parts the text is sent (and billed) as: what the budget charges. Derived from the
    /// text, so no caller can charge a count that differs from it.
    public var parts: Int { SmsText(text).parts }
}

/// The hourly budget a message's parts count against.
public struct SmsBudgetWindow: Sendable, Hashable {
    /// Hours since 1970.
    public var window: Int64
    /// SMS parts per window.
    public var limit: Int
    public init(window: Int64, limit: Int) {
        self.window = window
        self.limit = limit
    }
}

/// What a worker did with a claimed outbox row.
public enum DeliveryOutcome: Sendable, Hashable {
    case sent(provider: String, providerID: String?)
    case retry(at: Date, error: String, status: Int?)
    case failed(error: String, status: Int?)
    case expired
}

/// Why a message was not queued.
public enum DistributionStoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The hour's SMS budget has fewer parts left than the message has.
    case budgetExhausted(limit: Int)
    /// The text would go as more than ``SmsText/maximumParts`` parts.
    case tooLong(parts: Int)
    public var isTooLong: Bool {
        if case .tooLong = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .budgetExhausted(let limit): return "the hourly SMS budget (\(limit) SMS parts) is spent"
        case .tooLong(let parts): return "the message would be sent as \(parts) SMS parts; at most \(SmsText.maximumParts)"
        }
    }
}

/// A self-registration: the form's content, its consent, and its one-time code.
public struct JoinRequestRecord: Sendable, Hashable {
    public enum State: String, Sendable, Hashable { case pending, confirmed, failed }
    /// Random and unguessable; also the id of its code.
    public var id: String
    public var phone: PhoneNumber
    public var name: String
    public var children: [String]
    public var locale: String
    public var policyURL: String
    public var consentAt: Date
    public var ip: String?
    public var userAgent: String?
    public var state: State
    public var cardNumbers: [String]
    public var createdAt: Date
    public var completedAt: Date?

    public init(
        id: String, phone: PhoneNumber, name: String, children: [String], locale: String, policyURL: String, consentAt: Date, ip: String?, userAgent: String?,
        state: State = .pending, cardNumbers: [String] = [], createdAt: Date, completedAt: Date? = nil
    ) {
        self.id = id
        self.phone = phone
        self.name = name
        self.children = children
        self.locale = locale
        self.policyURL = policyURL
        self.consentAt = consentAt
        self.ip = ip
        self.userAgent = userAgent
        self.state = state
        self.cardNumbers = cardNumbers
        self.createdAt = createdAt
        self.completedAt = completedAt
    }
}

/// A stored one-time code: only its keyed hash.
public struct OtpRecord: Sendable, Hashable {
    public var id: String
    public var phone: String
    public var codeHash: String
    public var expiresAt: Date
    public var attemptsLeft: Int
    public var createdAt: Date
    public var confirmedAt: Date?

    public init(id: String, phone: String, codeHash: String, expiresAt: Date, attemptsLeft: Int, createdAt: Date, confirmedAt: Date? = nil) {
        self.id = id
        self.phone = phone
        self.codeHash = codeHash
        self.expiresAt = expiresAt
        self.attemptsLeft = attemptsLeft
        self.createdAt = createdAt
        self.confirmedAt = confirmedAt
    }
}

/// A ledger entry with who to tell about it.
public struct NotifiableEntry: Sendable, Hashable {
    public var entry: LedgerEntryRecord
    public var phone: PhoneNumber
    public var cardName: String?
}

/// A webhook of the outbox.
public struct WebhookRecord: Sendable, Hashable {
    public var id: Int64
    public var event: String
    public var url: String
    public var body: String
    public var state: DeliveryState
    public var attempts: Int
    public var nextAt: Date
    public var lastError: String?
    public var lastStatus: Int?
    public var createdAt: Date
    public var deliveredAt: Date?
}

/// Storage for distribution: links, the SMS and webhook outboxes, the SMS budget, one-time
/// codes and self-registrations.
public struct DistributionStore: Sendable {
    public let database: any Database

    public init(database: any Database) {
        self.database = database
    }

    static func seconds(_ d: Date) -> Int64 { Int64(d.timeIntervalSince1970.rounded(.down)) }
    static func optionalText(_ s: String?) -> SQLValue { s.map(SQLValue.text) ?? .null }
    static func optionalInt(_ i: Int64?) -> SQLValue { i.map(SQLValue.integer) ?? .null }

    // MARK: links

    static let linkColumns = "id, scope, card_number, account_id, generation, opens, downloads, created_at, revoked_at"

    static func link(_ r: SQLRow) throws -> DownloadLinkRecord {
        try DownloadLinkRecord(
            id: r.int(0, "download_links.id"), scope: r.value(1, "download_links.scope"), cardNumber: r.optionalText(2, "download_links.card_number"),
            accountID: r.optionalInt(3, "download_links.account_id"), generation: r.int(4, "download_links.generation"),
            opens: r.int(5, "download_links.opens"), downloads: r.int(6, "download_links.downloads"),
            createdAt: r.date(7, "download_links.created_at"), revokedAt: r.optionalDate(8, "download_links.revoked_at"))
    }

    /// The link row of a card, created on first use.
    public func cardLink(cardNumber: String, now: Date = Date()) async throws -> DownloadLinkRecord {
        try await linkRow(column: "card_number", value: .text(cardNumber), scope: .card, now: now)
    }

    /// The link row of a household (an account), created on first use.
    public func householdLink(accountID: Int64, now: Date = Date()) async throws -> DownloadLinkRecord {
        try await linkRow(column: "account_id", value: .integer(accountID), scope: .household, now: now)
    }

    func linkRow(column: String, value: SQLValue, scope: DownloadLinkRecord.Scope, now: Date) async throws -> DownloadLinkRecord {
        try await database.transaction { db in try await Self.linkRow(db, column: column, value: value, scope: scope, now: now) }
    }

    /// The link row, created on first use, inside the caller's transaction.
    static func linkRow(_ db: any DatabaseConnection, column: String, value: SQLValue, scope: DownloadLinkRecord.Scope, now: Date) async throws -> DownloadLinkRecord {
        try await db.query(
            "INSERT INTO download_links (scope, \(column), created_at) VALUES ($1, $2, $3) ON CONFLICT (\(column)) DO NOTHING",
            [.text(scope.rawValue), value, .integer(Self.seconds(now))])
        guard let row = try await db.query("SELECT \(Self.linkColumns) FROM download_links WHERE \(column) = $1", [value]).first else {
            throw DatabaseError("download link row for \(column) vanished")
        }
        return try Self.link(row)
    }

    public func link(id: Int64) async throws -> DownloadLinkRecord? {
        try await database.read { db in
            try await db.query("SELECT \(Self.linkColumns) FROM download_links WHERE id = $1", [.integer(id)]).first.map(Self.link)
        }
    }

    /// The phone of a household.
    public func householdPhone(accountID: Int64) async throws -> PhoneNumber? {
        try await database.read { db in try await db.query("SELECT phone FROM accounts WHERE id = $1", [.integer(accountID)]).first?.phone(0, "accounts.phone") }
    }

    /// Revokes every link that delivers the card: its own and its household's (their generations
    /// move on). Returns how many link rows there were.
    @discardableResult
    public func revokeLinks(cardNumber: String, accountID: Int64, now: Date = Date()) async throws -> Int {
        try await database.transaction { db in
            try await db.query(
                "UPDATE download_links SET generation = generation + 1, revoked_at = $1 WHERE card_number = $2 OR account_id = $3 RETURNING id",
                [.integer(Self.seconds(now)), .text(cardNumber), .integer(accountID)]
            ).count
        }
    }

    /// Counts a landing-page view or a pass download.
    public func count(linkID: Int64, download: Bool, now: Date = Date()) async throws {
        let (counter, stamp) = download ? ("downloads", "last_downloaded_at") : ("opens", "last_opened_at")
        _ = try await database.transaction { db in
            try await db.query("UPDATE download_links SET \(counter) = \(counter) + 1, \(stamp) = $1 WHERE id = $2", [.integer(Self.seconds(now)), .integer(linkID)])
            try await ActivityLog.record(db, download ? .linkDownload : .linkOpen, at: Self.seconds(now))
        }
    }

    // MARK: SMS outbox

    static let smsColumns = """
        id, phone, kind, text, sender, state, attempts, next_at, deadline_at, last_error, provider, provider_id, card_number, entry_id, created_at, sent_at
        """

    static func sms(_ r: SQLRow) throws -> SmsRecord {
        try SmsRecord(
            id: r.int(0, "sms_outbox.id"), phone: r.phone(1, "sms_outbox.phone"), kind: r.text(2, "sms_outbox.kind"), text: r.text(3, "sms_outbox.text"),
            sender: r.optionalText(4, "sms_outbox.sender"), state: r.value(5, "sms_outbox.state"), attempts: Int(r.int(6, "sms_outbox.attempts")),
            nextAt: r.date(7, "sms_outbox.next_at"), deadline: r.optionalDate(8, "sms_outbox.deadline_at"), lastError: r.optionalText(9, "sms_outbox.last_error"),
            provider: r.optionalText(10, "sms_outbox.provider"), providerID: r.optionalText(11, "sms_outbox.provider_id"),
            cardNumber: r.optionalText(12, "sms_outbox.card_number"), entryID: r.optionalInt(13, "sms_outbox.entry_id"),
            createdAt: r.date(14, "sms_outbox.created_at"), sentAt: r.optionalDate(15, "sms_outbox.sent_at"))
    }

    /// Counts a message's parts against `budget` (in the same transaction), as
    /// `SmsBudget.allows(used:parts:limit:)` says: all its parts fit, or nothing is counted.
    static func spend(_ db: any DatabaseConnection, _ budget: SmsBudgetWindow, parts: Int) async throws {
        try await db.query("INSERT INTO sms_budget (window_hour, used) VALUES ($1, 0) ON CONFLICT (window_hour) DO NOTHING", [.integer(budget.window)])
        let rows = try await db.query(
            "UPDATE sms_budget SET used = used + $3 WHERE window_hour = $1 AND used + $3 <= $2 RETURNING used",
            [.integer(budget.window), .integer(Int64(budget.limit)), .integer(Int64(parts))])
        if rows.isEmpty { throw DistributionStoreError.budgetExhausted(limit: budget.limit) }
    }

    /// Refuses a text over ``SmsText/maximumParts`` parts; returns its parts otherwise.
    static func sendableParts(_ new: NewSms) throws(DistributionStoreError) -> Int {
        let parts = new.parts
        guard parts <= SmsText.maximumParts else { throw .tooLong(parts: parts) }
        return parts
    }

    /// Queues a message, counting its parts against `budget` when given; nothing is written when
    /// the budget is spent or the text is over ``SmsText/maximumParts`` parts. A message for a
    /// ledger entry that already has one returns nil.
    public func enqueueSms(_ new: NewSms, budget: SmsBudgetWindow?, now: Date = Date()) async throws -> SmsRecord? {
        let parts = try Self.sendableParts(new)
        return try await database.transaction { db in
            if let entry = new.entryID, try await !db.query("SELECT 1 FROM sms_outbox WHERE entry_id = $1", [.integer(entry)]).isEmpty {
                return nil
            }
            if let budget { try await Self.spend(db, budget, parts: parts) }
            let seconds = Self.seconds(now)
            let rows = try await db.query(
                """
                INSERT INTO sms_outbox (phone, kind, text, sender, state, attempts, next_at, deadline_at, card_number, entry_id, created_at)
                VALUES ($1, $2, $3, $4, 'queued', 0, $5, $6, $7, $8, $5)
                ON CONFLICT (entry_id) DO NOTHING
                RETURNING \(Self.smsColumns)
                """,
                [.text(new.phone.e164), .text(new.kind), .text(new.text), Self.optionalText(new.sender), .integer(seconds),
                 Self.optionalInt(new.deadline.map(Self.seconds)), Self.optionalText(new.cardNumber), Self.optionalInt(new.entryID)])
            return try rows.first.map(Self.sms)
        }
    }

    public func sms(id: Int64) async throws -> SmsRecord? {
        try await database.read { db in try await db.query("SELECT \(Self.smsColumns) FROM sms_outbox WHERE id = $1", [.integer(id)]).first.map(Self.sms) }
    }

    /// Claims up to `limit` due messages for `lease`: they become `sending` with `next_at` at the
    /// lease's end and one more attempt, so a crashed worker's messages fall due again.
    public func claimDueSms(now: Date, lease: TimeInterval, limit: Int) async throws -> [SmsRecord] {
        try await claim(table: "sms_outbox", columns: Self.smsColumns, now: now, lease: lease, limit: limit).map(Self.sms)
    }

    func claim(table: String, columns: String, now: Date, lease: TimeInterval, limit: Int) async throws -> [SQLRow] {
        try await database.transaction { db in
            let skipLocked = db.dialect == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
            let seconds = Self.seconds(now)
            let until = Lease(timeInterval: lease).until(now: now.timeIntervalSince1970)
            return try await db.query(
                """
                UPDATE \(table) SET state = 'sending', attempts = attempts + 1, next_at = $2
                WHERE id IN (SELECT id FROM \(table) WHERE state IN ('queued', 'sending') AND next_at <= $1 ORDER BY next_at, id LIMIT $3\(skipLocked))
                AND state IN ('queued', 'sending') AND next_at <= $1
                RETURNING \(columns)
                """,
                [.integer(seconds), .integer(until), .integer(Int64(limit))])
        }
    }

    /// Records what became of a claimed message. A code's text is erased once final.
    public func complete(smsID id: Int64, _ outcome: DeliveryOutcome, now: Date = Date()) async throws {
        let seconds = Self.seconds(now)
        let erase = "text = CASE WHEN kind = 'code' THEN '' ELSE text END"
        _ = try await database.transaction { db in
            switch outcome {
            case .sent(let provider, let providerID):
                try await db.query(
                    "UPDATE sms_outbox SET state = 'sent', sent_at = $1, provider = $2, provider_id = $3, last_error = NULL, \(erase) WHERE id = $4",
                    [.integer(seconds), .text(provider), Self.optionalText(providerID), .integer(id)])
            case .retry(let at, let error, _):
                try await db.query(
                    "UPDATE sms_outbox SET state = 'queued', next_at = $1, last_error = $2 WHERE id = $3",
                    [.integer(Self.seconds(at)), .text(error), .integer(id)])
            case .failed(let error, _):
                try await db.query("UPDATE sms_outbox SET state = 'failed', last_error = $1, \(erase) WHERE id = $2", [.text(error), .integer(id)])
            case .expired:
                try await db.query("UPDATE sms_outbox SET state = 'expired', \(erase) WHERE id = $1", [.integer(id)])
            }
        }
    }

    // MARK: self-registration

    static let joinColumns = "id, phone, name, children, locale, policy_url, consent_at, ip, user_agent, state, card_numbers, created_at, completed_at"
    static let otpColumns = "id, phone, code_hash, expires_at, attempts_left, created_at, confirmed_at"

    static func strings(_ json: String?) -> [String] {
        guard let json, let data = json.data(using: .utf8), let array = try? JSONDecoder().decode([String].self, from: data) else { return [] }
        return array
    }

    static func json(_ strings: [String]) -> String {
        String(decoding: (try? JSONEncoder().encode(strings)) ?? Data("[]".utf8), as: UTF8.self)
    }

    static func join(_ r: SQLRow) throws -> JoinRequestRecord {
        try JoinRequestRecord(
            id: r.text(0, "join_requests.id"), phone: r.phone(1, "join_requests.phone"), name: r.text(2, "join_requests.name"),
            children: strings(r.text(3, "join_requests.children")), locale: r.text(4, "join_requests.locale"),
            policyURL: r.text(5, "join_requests.policy_url"), consentAt: r.date(6, "join_requests.consent_at"),
            ip: r.optionalText(7, "join_requests.ip"), userAgent: r.optionalText(8, "join_requests.user_agent"),
            state: r.value(9, "join_requests.state"), cardNumbers: strings(r.optionalText(10, "join_requests.card_numbers")),
            createdAt: r.date(11, "join_requests.created_at"), completedAt: r.optionalDate(12, "join_requests.completed_at"))
    }

    static func otp(_ r: SQLRow) throws -> OtpRecord {
        try OtpRecord(
            id: r.text(0, "otp_codes.id"), phone: r.text(1, "otp_codes.phone"), codeHash: r.text(2, "otp_codes.code_hash"),
            expiresAt: r.date(3, "otp_codes.expires_at"), attemptsLeft: Int(r.int(4, "otp_codes.attempts_left")),
            createdAt: r.date(5, "otp_codes.created_at"), confirmedAt: r.optionalDate(6, "otp_codes.confirmed_at"))
    }

    /// Stores a registration, its code and the code's message together: all or nothing, and
    /// nothing when the SMS budget is spent (or the text is over ``SmsText/maximumParts`` parts).
    public func createJoinRequest(_ request: JoinRequestRecord, otp: OtpRecord, message: NewSms, budget: SmsBudgetWindow?, now: Date = Date()) async throws -> SmsRecord {
        let parts = try Self.sendableParts(message)
        return try await database.transaction { db in
            if let budget { try await Self.spend(db, budget, parts: parts) }
            try await db.query(
                "INSERT INTO otp_codes (\(Self.otpColumns)) VALUES ($1, $2, $3, $4, $5, $6, NULL)",
                [.text(otp.id), .text(otp.phone), .text(otp.codeHash), .integer(Self.seconds(otp.expiresAt)), .integer(Int64(otp.attemptsLeft)),
                 .integer(Self.seconds(otp.createdAt))])
            try await db.query(
                "INSERT INTO join_requests (\(Self.joinColumns)) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, $11, NULL)",
                [.text(request.id), .text(request.phone.e164), .text(request.name), .text(Self.json(request.children)), .text(request.locale),
                 .text(request.policyURL), .integer(Self.seconds(request.consentAt)), Self.optionalText(request.ip),
                 Self.optionalText(request.userAgent), .text(request.state.rawValue), .integer(Self.seconds(request.createdAt))])
            let seconds = Self.seconds(now)
            guard let row = try await db.query(
                """
                INSERT INTO sms_outbox (phone, kind, text, sender, state, attempts, next_at, deadline_at, created_at)
                VALUES ($1, $2, $3, $4, 'queued', 0, $5, $6, $5) RETURNING \(Self.smsColumns)
                """,
                [.text(message.phone.e164), .text(message.kind), .text(message.text), Self.optionalText(message.sender), .integer(seconds),
                 Self.optionalInt(message.deadline.map(Self.seconds))]
            ).first else { throw DatabaseError("the code's message was not queued") }
            return try Self.sms(row)
        }
    }

    public func joinRequest(id: String) async throws -> (request: JoinRequestRecord, otp: OtpRecord)? {
        try await database.read { db in
            guard let j = try await db.query("SELECT \(Self.joinColumns) FROM join_requests WHERE id = $1", [.text(id)]).first.map(Self.join),
                  let o = try await db.query("SELECT \(Self.otpColumns) FROM otp_codes WHERE id = $1", [.text(id)]).first.map(Self.otp)
            else { return nil }
            return (j, o)
        }
    }

    /// Stores a code's new attempt count if no one else changed it meanwhile (two entries of one
    /// code at once cannot both use the same try); `confirmed` marks it used. False when raced.
    public func updateOtp(id: String, from old: Int, to new: Int, confirmed: Bool, now: Date = Date()) async throws -> Bool {
        try await database.transaction { db in
            try await !db.query(
                """
                UPDATE otp_codes SET attempts_left = $1, confirmed_at = CASE WHEN $2 = 1 THEN $3 ELSE confirmed_at END
                WHERE id = $4 AND attempts_left = $5 AND confirmed_at IS NULL RETURNING id
                """,
                [.integer(Int64(new)), .integer(confirmed ? 1 : 0), .integer(Self.seconds(now)), .text(id), .integer(Int64(old))]
            ).isEmpty
        }
    }

    /// Marks a registration done (with the cards it produced) or failed.
    public func completeJoinRequest(id: String, state: JoinRequestRecord.State, cardNumbers: [String], now: Date = Date()) async throws {
        _ = try await database.transaction { db in
            try await db.query(
                "UPDATE join_requests SET state = $1, card_numbers = $2, completed_at = $3 WHERE id = $4",
                [.text(state.rawValue), .text(Self.json(cardNumbers)), .integer(Self.seconds(now)), .text(id)])
        }
    }

    // MARK: webhooks

    static let webhookColumns = "id, event, url, body, state, attempts, next_at, last_error, last_status, created_at, delivered_at"

    static func webhook(_ r: SQLRow) throws -> WebhookRecord {
        try WebhookRecord(
            id: r.int(0, "webhook_outbox.id"), event: r.text(1, "webhook_outbox.event"), url: r.text(2, "webhook_outbox.url"),
            body: r.text(3, "webhook_outbox.body"), state: r.value(4, "webhook_outbox.state"), attempts: Int(r.int(5, "webhook_outbox.attempts")),
            nextAt: r.date(6, "webhook_outbox.next_at"), lastError: r.optionalText(7, "webhook_outbox.last_error"),
            lastStatus: r.optionalInt(8, "webhook_outbox.last_status").map(Int.init), createdAt: r.date(9, "webhook_outbox.created_at"),
            deliveredAt: r.optionalDate(10, "webhook_outbox.delivered_at"))
    }

    @discardableResult
    public func enqueueWebhook(event: String, url: String, body: String, now: Date = Date()) async throws -> WebhookRecord {
        try await database.transaction { db in
            guard let row = try await db.query(
                "INSERT INTO webhook_outbox (event, url, body, state, attempts, next_at, created_at) VALUES ($1, $2, $3, 'queued', 0, $4, $4) RETURNING \(Self.webhookColumns)",
                [.text(event), .text(url), .text(body), .integer(Self.seconds(now))]
            ).first else { throw DatabaseError("the webhook was not queued") }
            return try Self.webhook(row)
        }
    }

    public func claimDueWebhooks(now: Date, lease: TimeInterval, limit: Int) async throws -> [WebhookRecord] {
        try await claim(table: "webhook_outbox", columns: Self.webhookColumns, now: now, lease: lease, limit: limit).map(Self.webhook)
    }

    public func complete(webhookID id: Int64, _ outcome: DeliveryOutcome, now: Date = Date()) async throws {
        let seconds = Self.seconds(now)
        _ = try await database.transaction { db in
            switch outcome {
            case .sent:
                try await db.query("UPDATE webhook_outbox SET state = 'sent', delivered_at = $1, last_error = NULL WHERE id = $2", [.integer(seconds), .integer(id)])
            case .retry(let at, let error, let status):
                try await db.query(
                    "UPDATE webhook_outbox SET state = 'queued', next_at = $1, last_error = $2, last_status = $3 WHERE id = $4",
                    [.integer(Self.seconds(at)), .text(error), Self.optionalInt(status.map(Int64.init)), .integer(id)])
            case .failed(let error, let status):
                try await db.query(
                    "UPDATE webhook_outbox SET state = 'failed', last_error = $1, last_status = $2 WHERE id = $3",
                    [.text(error), Self.optionalInt(status.map(Int64.init)), .integer(id)])
            case .expired:
                try await db.query("UPDATE webhook_outbox SET state = 'expired' WHERE id = $1", [.integer(id)])
            }
        }
    }

    // MARK: ledger notifications

    /// The last ledger entry id considered for notifications, nil before the first run.
    public func notificationCursor() async throws -> Int64? {
        try await database.read { db in
            try await db.query("SELECT value FROM distribution_cursors WHERE name = 'notified_entry'").first?.int(0)
        }
    }

    public func setNotificationCursor(_ value: Int64) async throws {
        _ = try await database.transaction { db in
            try await db.query(
                "INSERT INTO distribution_cursors (name, value) VALUES ('notified_entry', $1) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                [.integer(value)])
        }
    }

    /// The newest ledger entry id (0 for an empty ledger).
    public func latestEntryID() async throws -> Int64 {
        try await database.read { db in try await db.query("SELECT MAX(id) FROM ledger_entries").first?.int(0) ?? 0 }
    }

    /// Ledger entries after `cursor`, oldest first, with the household's phone and the card's holder.
    public func entries(after cursor: Int64, limit: Int) async throws -> [NotifiableEntry] {
        try await database.read { db in
            let columns = LedgerStore.entryColumns.split(separator: ",").map { "e." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", ")
            return try await db.query(
                """
                SELECT \(columns), a.phone, c.name FROM ledger_entries e JOIN accounts a ON a.id = e.account_id
                LEFT JOIN cards c ON c.number = e.card_number WHERE e.id > $1 ORDER BY e.id LIMIT $2
                """, [.integer(cursor), .integer(Int64(limit))]
            ).map { row in
                NotifiableEntry(entry: try LedgerStore.entry(row), phone: try row.phone(11, "accounts.phone"), cardName: try row.optionalText(12, "cards.name"))
            }
        }
    }
}
