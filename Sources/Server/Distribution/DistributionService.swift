import Core
import Crypto
import Distribution
import Foundation
import Logging
import Loyalty
import PassBuilder
import Storage
import Synchronization

/// Distribution: download links, SMS (queued in an outbox, sent by ``DistributionWorker``),
/// self-registration, and the CRM webhook.
public final class DistributionService: Sendable {
    public let store: DistributionStore
    public let loyalty: LoyaltyService
    public let settings: DistributionSettings
    public let gateway: any SmsGateway
    /// Sends the CRM webhook (and is what an HTTP SMS gateway uses).
    public let http: any OutboundHTTPClient
    /// The base of links (PASSLINE_PUBLIC_URL).
    public let publicURL: String
    let links: LinkTokenSigner
    /// Key of the one-time codes' hashes.
    let codeKey: [UInt8]
    let webhookSigner: WebhookSignature
    let limits: Mutex<(ip: RateLimiter<String>, phone: RateLimiter<String>)>
    /// Seconds on a monotonic clock, for the rate limiters.
    let started = ContinuousClock.now
    let wakeup = ChangeSignal()
    let logger: Logger

    public init(
        store: DistributionStore, loyalty: LoyaltyService, settings: DistributionSettings, gateway: any SmsGateway, http: any OutboundHTTPClient,
        publicURL: String, secrets: SecretRing, webhookSecret: [UInt8], logger: Logger
    ) {
        self.store = store
        self.loyalty = loyalty
        self.settings = settings
        self.gateway = gateway
        self.http = http
        self.publicURL = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
        links = LinkTokenSigner(ring: secrets)
        // Codes live minutes: the current secret alone.
        codeKey = KeyDerivation.derive(secrets.current, label: "passline one-time codes v1")
        webhookSigner = WebhookSignature(secret: webhookSecret)
        limits = Mutex((
            RateLimiter(capacity: settings.joinLimitPerIP, per: 3600),
            RateLimiter(capacity: settings.joinLimitPerPhone, per: 3600)))
        self.logger = logger
    }

    /// The gateway the settings name: the dev sink (a file in the data directory unless set) or HTTP.
    public static func makeGateway(_ settings: DistributionSettings, dataDirectory: String, http: any OutboundHTTPClient, logger: Logger) throws -> any SmsGateway {
        switch settings.gateway {
        case .dev(let file):
            return try DevSmsSink(file: file ?? URL(fileURLWithPath: dataDirectory).appendingPathComponent("dev-sms.jsonl").path, logger: logger)
        case .http(let configuration):
            return HTTPSmsGateway(configuration: configuration, client: http)
        }
    }

    var sms: SmsSettings { loyalty.program.sms ?? SmsSettings() }
    var templates: MessageTemplates { MessageTemplates(overrides: sms.templates) }
    /// The program's language for messages.
    var locale: MessageLocale { MessageLocale(rawValue: sms.locale) ?? .ru }

    func budget(_ now: Date) -> SmsBudgetWindow {
        SmsBudgetWindow(window: SmsBudget.window(now), limit: sms.hourlyBudget)
    }

    /// Seconds since start, for the rate limiters.
    var monotonicSeconds: Double {
        let d = ContinuousClock.now - started
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    /// Wakes the worker (something was queued).
    public func wake() { wakeup.signal() }

    // MARK: links

    /// A link as handed out.
    public struct IssuedLink: Sendable, Hashable {
        public var url: String
        public var token: String
        public var scope: LinkScope
        public var expiresAt: Date
        public var link: DownloadLinkRecord
    }

    /// A link to the card (or, with `household`, to every card of its household), valid for
    /// `ttlDays` (the configured default when nil).
    public func issueLink(for card: CardRecord, household: Bool, ttlDays: Int? = nil, now: Date = Date()) async throws -> IssuedLink {
        let row = household
            ? try await store.householdLink(accountID: card.accountID, now: now)
            : try await store.cardLink(cardNumber: card.number, now: now)
        return signedLink(row, ttlDays: ttlDays, now: now)
    }

    /// A token for a link row as it is now (its generation), valid for `ttlDays`.
    func signedLink(_ row: DownloadLinkRecord, ttlDays: Int? = nil, now: Date) -> IssuedLink {
        let scope: LinkScope = row.scope == .household ? .household : .card
        let claims = LinkClaims(
            scope: scope, linkID: row.id, generation: UInt32(truncatingIfNeeded: row.generation),
            expiresAt: now.addingTimeInterval(TimeInterval(ttlDays ?? settings.linkTTLDays) * 86_400))
        let token = links.token(for: claims)
        // The token holds whole minutes: report the expiry it really has.
        let expiresAt = (try? links.verify(token, now: now))?.expiresAt ?? claims.expiresAt
        return IssuedLink(url: "\(publicURL)/p/\(token)", token: token, scope: scope, expiresAt: expiresAt, link: row)
    }

    /// Why a link does not deliver.
    public enum LinkFailure: Error, Sendable, Hashable {
        /// Not a link of this server, or altered.
        case invalid
        case expired(Date)
        /// Withdrawn (a newer generation of the link exists).
        case revoked
        /// Its card is blocked, or its household has no active card.
        case inactive
    }

    /// What a valid link delivers.
    public struct ResolvedLink: Sendable {
        public var link: DownloadLinkRecord
        public var scope: LinkScope
        /// The active cards it delivers (one for a card link), in number order.
        public var cards: [CardRecord]
    }

    /// Checks a token and finds what it delivers.
    /// - Throws: ``LinkFailure``.
    public func resolve(_ token: String, now: Date = Date()) async throws -> ResolvedLink {
        let claims: LinkClaims
        do {
            claims = try links.verify(token, now: now)
        } catch {
            switch error {
            case .malformed, .tampered: throw LinkFailure.invalid
            case .expired(let c): throw LinkFailure.expired(c.expiresAt)
            }
        }
        guard let row = try await store.link(id: claims.linkID), row.scope.rawValue == (claims.scope == .card ? "card" : "household") else {
            throw LinkFailure.invalid
        }
        guard Int64(claims.generation) == row.generation else { throw LinkFailure.revoked }
        var cards: [CardRecord] = []
        if let number = row.cardNumber {
            guard let card = try await loyalty.ledger.card(number: number) else { throw LinkFailure.invalid }
            cards = [card]
        } else if let account = row.accountID, let phone = try await store.householdPhone(accountID: account) {
            cards = try await loyalty.ledger.cards(phone: phone)
        }
        cards = cards.filter { $0.status == .active }
        guard !cards.isEmpty else { throw LinkFailure.inactive }
        return ResolvedLink(link: row, scope: claims.scope, cards: cards)
    }

    /// The signed `.pkpass` of a card.
    func pass(of card: CardRecord) async throws -> [UInt8] {
        guard let record = try await loyalty.passes.store.pass(passTypeIdentifier: card.passTypeIdentifier, serialNumber: card.serialNumber) else {
            throw LinkFailure.inactive
        }
        return Array(try await loyalty.passes.signedPass(record).readableBytesView)
    }

    // MARK: SMS

    /// Queues the card's link (or its household's) to the household's phone.
    /// - Throws: ``DistributionStoreError/budgetExhausted(limit:)`` when the hour's budget is spent.
    public func queueLinkSms(for card: CardRecord, household: Bool, ttlDays: Int? = nil, now: Date = Date()) async throws -> (message: SmsRecord, link: IssuedLink) {
        let link = try await issueLink(for: card, household: household, ttlDays: ttlDays, now: now)
        return (try await queueSms(of: link, for: card, now: now), link)
    }

    /// Queues an issued link to the phone of `card`'s household.
    /// - Throws: ``DistributionStoreError/budgetExhausted(limit:)`` when the hour's budget is spent.
    func queueSms(of link: IssuedLink, for card: CardRecord, now: Date) async throws -> SmsRecord {
        let household = link.scope == .household
        let text = templates.render(
            .link, locale: locale, values: MessageValues(link: link.url, name: household ? nil : card.name, program: loyalty.program.name))
        guard let message = try await store.enqueueSms(
            NewSms(phone: card.phone, kind: MessageKind.link.rawValue, text: text, sender: sms.sender, cardNumber: card.number), budget: budget(now), now: now)
        else { throw DatabaseError("the message was not queued") }
        // Inside an idempotent request's transaction the message is visible only once it commits.
        store.database.afterCommit { [wakeup] in wakeup.signal() }
        return message
    }
}
