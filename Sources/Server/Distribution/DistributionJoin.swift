import Core
import Distribution
import Foundation
import Loyalty
import PassBuilder
import Storage

/// Self-registration: a form, a one-time code by SMS, then the cards, their link by SMS, and the
/// CRM webhook. Nothing is issued or sent for invalid input, and answers never depend on whether
/// the phone already belongs to a household.
extension DistributionService {
    /// What the form posted.
    public struct JoinForm: Sendable, Hashable {
        public var name: String
        public var phone: String
        public var children: [String]
        public var consent: Bool
        /// The hidden field people never fill in.
        public var honeypot: String
        public var locale: MessageLocale

        public init(name: String, phone: String, children: [String], consent: Bool, honeypot: String, locale: MessageLocale) {
            self.name = name
            self.phone = phone
            self.children = children
            self.consent = consent
            self.honeypot = honeypot
            self.locale = locale
        }
    }

    /// The first step's outcome.
    public enum JoinStart: Sendable, Hashable {
        /// A code was sent (or, for a bot, pretended to be): ask for it.
        case codeSent(requestID: String, maskedPhone: String)
        /// Field → message key (and a detail for the phone); nothing was stored or sent.
        case invalid([String: String])
        case limited(retryAfter: Int)
        /// The hour's SMS budget is spent.
        case budgetExhausted
        /// The program has no self-registration (or uses supplied card numbers).
        case closed
    }

    /// The second step's outcome.
    public enum JoinConfirm: Sendable {
        case joined(cards: [CardRecord], link: IssuedLink, smsSent: Bool)
        /// A wrong code; the (masked) phone it went to, to show again.
        case wrong(attemptsLeft: Int, maskedPhone: String)
        case expired
        case exhausted
        /// Confirmed already (or being confirmed by a concurrent request): nothing is issued
        /// again; its link went by SMS to this (masked) phone.
        case completed(maskedPhone: String)
        /// No such request (or it failed): start again.
        case unknown
    }

    /// Whether `/join` is open: the program has join settings and numbers cards itself.
    var joinSettings: JoinSettings? {
        let program = loyalty.program
        guard program.cardNumbers == .virtualFromPhone else { return nil }
        return program.join
    }

    /// A name as the form may give it: 100 characters, and the code points and bytes ``TextLimit`` allows them.
    static let nameLimit = TextLimit(characters: 100)

    static func cleanName(_ text: String) -> String? {
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !t.isEmpty, nameLimit.allows(t), !t.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else { return nil }
        return t
    }

    /// `+7912•••••89`: enough to recognise one's own number, not to learn someone else's.
    static func masked(_ phone: String) -> String {
        guard phone.count > 7 else { return phone }
        return String(phone.prefix(5)) + String(repeating: "•", count: phone.count - 7) + String(phone.suffix(2))
    }

    static func randomID() -> String {
        RandomToken.base64URL(bytes: 16)
    }

    /// Validates the form, applies the rate limits and budget, stores the request with a code's
    /// hash, and queues the code.
    public func startJoin(_ form: JoinForm, ip: String, userAgent: String?, now: Date = Date()) async throws -> JoinStart {
        guard let join = joinSettings else { return .closed }
        var errors: [String: String] = [:]
        let name = Self.cleanName(form.name)
        if name == nil { errors["name"] = form.name.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? "nameRequired" : "nameInvalid" }
        var phone: PhoneNumber?
        if form.phone.trimmingCharacters(in: .whitespaces).isEmpty {
            errors["phone"] = "phoneRequired"
        } else {
            do { phone = try PhoneNumber(parsing: String(form.phone.prefix(40))) } catch { errors["phone"] = "phoneInvalid"; errors["phoneDetail"] = error.description }
        }
        var children: [String] = []
        for raw in form.children.prefix(join.children) where !raw.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            guard let child = Self.cleanName(raw) else { errors["children"] = "childInvalid"; break }
            children.append(child)
        }
        if !form.consent { errors["consent"] = "consentRequired" }
        guard errors.isEmpty, let name, let phone else { return .invalid(errors) }
        // A bot filled the hidden field: answer as for everyone, store and send nothing.
        guard form.honeypot.isEmpty else { return .codeSent(requestID: Self.randomID(), maskedPhone: Self.masked(phone.e164)) }

        let decision = limits.withLock { l -> RateLimiter<String>.Decision in
            let t = monotonicSeconds
            // Check both before spending either, so one limit does not eat the other's allowance.
            guard l.ip.wouldAllow(ip, now: t) else { return l.ip.consume(ip, now: t) }
            guard l.phone.wouldAllow(phone.e164, now: t) else { return l.phone.consume(phone.e164, now: t) }
            _ = l.ip.consume(ip, now: t)
            return l.phone.consume(phone.e164, now: t)
        }
        if case .limited(let after) = decision { return .limited(retryAfter: max(1, Int(after.rounded(.up)))) }

        let id = Self.randomID()
        let (code, otp) = OneTimeCode.issue(challenge: id, key: codeKey, now: now)
        let request = JoinRequestRecord(
            id: id, phone: phone, name: name, children: children, locale: form.locale.rawValue, policyURL: join.policyURL, consentAt: now,
            ip: ip, userAgent: userAgent.map { String($0.prefix(300)) }, createdAt: now)
        let text = templates.render(.code, locale: form.locale, values: MessageValues(code: code, program: loyalty.program.name))
        do {
            _ = try await store.createJoinRequest(
                request, otp: OtpRecord(id: id, phone: phone.e164, codeHash: otp.hash, expiresAt: otp.expiresAt, attemptsLeft: otp.attemptsLeft, createdAt: now),
                message: NewSms(phone: phone, kind: MessageKind.code.rawValue, text: text, sender: sms.sender, deadline: otp.expiresAt),
                budget: budget(now), now: now)
        } catch is DistributionStoreError {
            logger.warning("self-registration refused: the hourly SMS budget is spent")
            return .budgetExhausted
        }
        wake()
        return .codeSent(requestID: id, maskedPhone: Self.masked(phone.e164))
    }

    /// Checks the code; on success issues the cards (joining the phone's household, reusing a
    /// card of the same name there), sends the link and tells the CRM.
    ///
    /// A request confirms once. The code's row is claimed first (a compare-and-set: of two
    /// right codes racing one wins); then the request turns confirmed and its link row is read
    /// in one transaction (``DistributionStore/confirmJoinRequest(id:cardNumbers:link:now:)``);
    /// the link's token comes from that row. Afterwards the request id is no credential: a
    /// repeat answers ``JoinConfirm/completed(maskedPhone:)`` and issues nothing.
    public func confirmJoin(requestID: String, code: String, now: Date = Date()) async throws -> JoinConfirm {
        guard requestID.utf8.count <= 64, let (request, stored) = try await store.joinRequest(id: requestID) else { return .unknown }
        let completed = JoinConfirm.completed(maskedPhone: Self.masked(request.phone.e164))
        switch request.state {
        case .failed: return .unknown
        case .confirmed: return completed
        // A used code whose request is not confirmed yet: another confirmation is issuing it.
        case .pending where stored.confirmedAt != nil: return completed
        case .pending: break
        }
        let state = OneTimeCode(hash: stored.codeHash, expiresAt: stored.expiresAt, attemptsLeft: stored.attemptsLeft)
        let (outcome, next) = state.check(String(code.prefix(20)), challenge: requestID, key: codeKey, now: now)
        switch outcome {
        case .expired: return .expired
        case .exhausted: return .exhausted
        case .wrong(let left):
            guard try await store.updateOtp(id: requestID, from: stored.attemptsLeft, to: left, confirmed: false, now: now) else { return .unknown }
            return left == 0 ? .exhausted : .wrong(attemptsLeft: left, maskedPhone: Self.masked(request.phone.e164))
        case .accepted:
            // The code's use, the cards, the link, its SMS and the CRM webhook commit together: a
            // crash leaves the request as it was (confirm again), never half issued.
            return try await store.database.transaction { _ in
                guard try await self.store.updateOtp(id: requestID, from: stored.attemptsLeft, to: next.attemptsLeft, confirmed: true, now: now) else {
                    // Raced: by a concurrent confirmation (it issues), or by a wrong try (enter the code again).
                    let used = try await self.store.joinRequest(id: requestID)?.otp.confirmedAt != nil
                    return used ? completed : .unknown
                }
                return try await self.issueJoined(request, now: now, completed: completed)
            }
        }
    }

    /// Issues the cards of a confirmed request, its link, the link's SMS and the CRM webhook.
    private func issueJoined(_ request: JoinRequestRecord, now: Date, completed: JoinConfirm) async throws -> JoinConfirm {
        let requestID = request.id
        let phone = request.phone
        var issued: [CardRecord] = []
        do {
            var existing = try await loyalty.ledger.cards(phone: phone)
            for person in [request.name] + request.children {
                if let same = existing.first(where: { $0.name.lowercased() == person.lowercased() }) {
                    if !issued.contains(same) { issued.append(same) }
                    continue
                }
                let card = try await loyalty.issue(NewCard(name: person, phone: phone, source: .join), now: now)
                existing.append(card)
                issued.append(card)
            }
        } catch {
            logger.error("self-registration \(requestID): issuing failed: \(error)")
            try await store.completeJoinRequest(id: requestID, state: .failed, cardNumbers: issued.map(\.number), now: now)
            return .unknown
        }
        let household = issued.count > 1
        let primary = issued[0]
        guard let row = try await store.confirmJoinRequest(
            id: requestID, cardNumbers: issued.map(\.number),
            link: household ? .household(accountID: primary.accountID) : .card(number: primary.number), now: now)
        else { return completed }
        let link = signedLink(row, now: now)
        var smsSent = true
        do {
            _ = try await queueSms(of: link, for: primary, now: now)
        } catch is DistributionStoreError {
            // Over budget: the page still shows the link.
            smsSent = false
        }
        if let url = settings.joinWebhookURL {
            try await store.enqueueWebhook(event: "join.completed", url: url, body: Self.webhookBody(request, cards: issued, link: link, now: now), now: now)
            store.database.afterCommit { [wakeup] in wakeup.signal() }
        }
        return .joined(cards: try await cards(numbers: issued.map(\.number)), link: link, smsSent: smsSent)
    }

    func cards(numbers: [String]) async throws -> [CardRecord] {
        var cards: [CardRecord] = []
        for n in numbers { if let c = try await loyalty.ledger.card(number: n) { cards.append(c) } }
        return cards
    }

    /// The CRM's notification: who joined, their cards, the link, and the consent given.
    static func webhookBody(_ request: JoinRequestRecord, cards: [CardRecord], link: IssuedLink, now: Date) -> String {
        let json: JSONValue = .object([
            "event": .string("join.completed"), "requestId": .string(request.id), "at": .string(now.formatted(.iso8601)),
            "phone": .string(request.phone.e164), "name": .string(request.name), "children": .array(request.children.map(JSONValue.string)),
            "cards": .array(cards.map { c in
                .object(["number": .string(c.number), "name": .string(c.name), "serialNumber": .string(c.serialNumber), "balance": .integer(c.balance), "tier": .string(c.tier)])
            }),
            "link": .object(["url": .string(link.url), "scope": .string(link.scope == .card ? "card" : "household"), "expiresAt": .string(link.expiresAt.formatted(.iso8601))]),
            "consent": .object([
                "at": .string(request.consentAt.formatted(.iso8601)), "policyUrl": .string(request.policyURL), "ip": request.ip.map(JSONValue.string) ?? .null,
            ]),
            "locale": .string(request.locale),
        ])
        return String(decoding: json.serialized(), as: UTF8.self)
    }
}
