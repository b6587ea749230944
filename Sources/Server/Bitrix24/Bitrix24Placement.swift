import Bitrix24
import Core
import Distribution
import Foundation
import Hummingbird
import Loyalty
import PassBuilder
import Storage

/// The card tab in a deal or a contact (`CRM_DEAL_DETAIL_TAB`, `CRM_CONTACT_DETAIL_TAB`): the
/// household's cards, points, tier and last entries, what the deal may pay with points, and the
/// actions (accrue, debit, issue, text the link). The user's `AUTH_ID` is confirmed with the portal
/// before anything is shown; each action then carries a short-lived signed token (the tab is a
/// third-party iframe, so no cookies), bound to the portal, the user and the record.
struct Bitrix24Placement: Sendable {
    let service: Bitrix24Service
    let actions: Bitrix24Actions
    let http: any OutboundHTTPClient
    let pages: Pages
    /// How long a tab's actions stay allowed without reopening it.
    var tokenLifetime: TimeInterval = 15 * 60

    /// Why the tab is not shown; each is a page with its status.
    struct Refusal: Error {
        var status: HTTPResponse.Status
        var key: String
        var detail: String
    }

    /// The tab opened (the portal's POST into its iframe).
    func open(_ form: FormFields, now: Date = Date()) async throws -> Response {
        let call: PlacementCall
        do { call = try PlacementCall(form) } catch { return refusal(.en, Refusal(status: .badRequest, key: "badRequest", detail: error.description), origin: nil) }
        let locale: MessageLocale = call.language.lowercased().hasPrefix("ru") ? .ru : .en
        do {
            guard let portal = try await service.store.portal() else { throw Refusal(status: .unauthorized, key: "notInstalled", detail: "") }
            guard portal.memberID == call.memberID, portal.domain == call.domain,
                  call.applicationToken.map({ service.sameToken($0, portal) }) ?? true
            else { throw Refusal(status: .unauthorized, key: "notYourPortal", detail: call.domain) }
            let user = try await confirm(call, portal: portal)
            let claims = PlacementClaims(
                memberID: portal.memberID, origin: call.origin, userID: user, document: call.document,
                expiresAt: now.addingTimeInterval(tokenLifetime), nonce: RandomToken.base64URL(bytes: 12))
            return try await render(claims, locale: locale, notice: nil)
        } catch let refused as Refusal {
            return refusal(locale, refused, origin: call.origin)
        }
    }

    /// Confirms the user's token with the portal: the user's id, or a refusal.
    func confirm(_ call: PlacementCall, portal: Bitrix24Portal) async throws -> Int64 {
        let asUser = Bitrix24Client(http: http, access: .user(token: call.authID, endpoint: portal.clientEndpoint), limitRetries: 3)
        let page: Bitrix24Client.Page
        do {
            page = try await asUser.call("user.current")
        } catch {
            switch error.disposition {
            case .retry: throw Refusal(status: .serviceUnavailable, key: "portalDown", detail: error.description)
            default: throw Refusal(status: .unauthorized, key: "sessionRefused", detail: error.description)
            }
        }
        guard let id = CRMFields.id(page.result["ID"]) else { throw Refusal(status: .badGateway, key: "portalDown", detail: "user.current returned no ID") }
        return id
    }

    /// An action from the tab: checked, carried out through the same services as the robots,
    /// and the tab drawn again with what happened.
    func act(_ form: FormFields, now: Date = Date()) async throws -> Response {
        let locale: MessageLocale = form["lang"] == "ru" ? .ru : .en
        let claims: PlacementClaims
        do { claims = try service.placementTokens.verify(form["token"] ?? "", now: now) } catch {
            return refusal(locale, Refusal(status: .unauthorized, key: "tokenRefused", detail: error.description), origin: nil)
        }
        guard let (portal, client) = try await service.appClient(http: http, interactive: true), portal.memberID == claims.memberID else {
            return refusal(locale, Refusal(status: .unauthorized, key: "notInstalled", detail: ""), origin: claims.origin)
        }
        let t = Bitrix24PlacementPage.strings(locale)
        var notice: (ok: Bool, text: String)
        do {
            notice = try await perform(form["action"] ?? "", points: form["points"], claims: claims, client: client, t: t)
        } catch let refused as Bitrix24Actions.Refused {
            notice = (false, refused.message)
        } catch let error as LedgerError {
            notice = (false, error.description)
        }
        return try await render(claims, locale: locale, notice: notice)
    }

    private func perform(_ action: String, points: String?, claims: PlacementClaims, client: Bitrix24Client, t: [String: String]) async throws -> (ok: Bool, text: String) {
        let document = claims.document
        switch action {
        case "issue":
            guard let phone = try await actions.phones(of: document, client: client).first else { throw Bitrix24Actions.Refused(message: t["noPhone"]!) }
            if let card = try await actions.loyalty.cards(phone: phone).first { return (true, t["issuedAlready"]! + " " + card.number) }
            let card = try await actions.loyalty.issue(NewCard(name: try await actions.name(of: document, client: client) ?? phone.e164, phone: phone, source: .bitrix24))
            return (true, t["issued"]! + " " + card.number)
        case "sms":
            guard let card = try await actions.cards(of: document, client: client).first else { throw Bitrix24Actions.Refused(message: t["noCard"]!) }
            // Once per opened tab: a repeated post (a double click, a reload) texts nothing more.
            guard try await service.store.markDone("placement:\(claims.nonce):sms") else { return (true, t["texted"]!) }
            _ = try await actions.distribution.queueLinkSms(for: card, household: true)
            return (true, t["texted"]!)
        case "accrue", "debit":
            guard case .deal(let id) = document else { throw Bitrix24Actions.Refused(message: t["dealOnly"]!) }
            let deal = try Deal(try await Bitrix24Actions.read(client, "crm.deal.get", id))
            guard let card = try await actions.cards(of: document, client: client).first else { throw Bitrix24Actions.Refused(message: t["noCard"]!) }
            guard deal.currency == actions.policy.currency else { throw Bitrix24Actions.Refused(message: "\(t["otherCurrency"]!) \(deal.currency)") }
            if action == "accrue" {
                let result = try await actions.loyalty.apply(
                    .purchase(amount: deal.amount), cardNumber: card.number, businessKey: DealAccrualPolicy.accrualKey(deal: id), comment: "Bitrix24 tab, user \(claims.userID)")
                return (true, "\(t["accrued"]!) \(result.entry.points)")
            }
            let cap = min(card.balance, LedgerRules.maxDebitPoints(purchase: deal.amount, program: actions.loyalty.program))
            guard let text = points?.trimmingCharacters(in: .whitespaces), let n = Int64(text), n > 0 else { throw Bitrix24Actions.Refused(message: t["pointsWhole"]!) }
            guard n <= cap else { throw Bitrix24Actions.Refused(message: "\(t["overCap"]!) \(cap)") }
            let result = try await actions.loyalty.apply(
                .debit(points: n, purchase: deal.amount), cardNumber: card.number, businessKey: DealAccrualPolicy.debitKey(deal: id), comment: "Bitrix24 tab, user \(claims.userID)")
            return (true, "\(t["debited"]!) \(-result.entry.points)")
        default:
            throw Bitrix24Actions.Refused(message: "\(action): \(t["unknownAction"]!)")
        }
    }

    /// The tab as it is now.
    func render(_ claims: PlacementClaims, locale: MessageLocale, notice: (ok: Bool, text: String)?) async throws -> Response {
        guard let (_, client) = try await service.appClient(http: http, interactive: true) else {
            return refusal(locale, Refusal(status: .unauthorized, key: "notInstalled", detail: ""), origin: claims.origin)
        }
        var view = Bitrix24PlacementPage.View(locale: locale, token: service.placementTokens.token(for: claims), notice: notice)
        do {
            view.cards = try await actions.cards(of: claims.document, client: client)
        } catch let refused as Bitrix24Actions.Refused {
            view.problem = refused.message
        }
        if case .deal(let id) = claims.document, let deal = try? Deal(try await Bitrix24Actions.read(client, "crm.deal.get", id)) {
            view.deal = deal
            if let card = view.cards.first {
                view.maxDebit = max(0, min(card.balance, LedgerRules.maxDebitPoints(purchase: deal.amount, program: actions.loyalty.program)))
                view.accrued = try await actions.loyalty.ledger.entry(accountID: card.accountID, businessKey: DealAccrualPolicy.accrualKey(deal: id)) != nil
                view.debited = try await actions.loyalty.ledger.entry(accountID: card.accountID, businessKey: DealAccrualPolicy.debitKey(deal: id)) != nil
            }
        }
        if let card = view.cards.first {
            view.entries = try await actions.loyalty.entries(of: card, before: nil, limit: 5)
        }
        return pages.response(Bitrix24PlacementPage.html(view, pages: pages), headers: Self.headers(origin: claims.origin))
    }

    func refusal(_ locale: MessageLocale, _ refused: Refusal, origin: String?) -> Response {
        let t = Bitrix24PlacementPage.strings(locale)
        let html = pages.render("message", locale: locale, title: t[refused.key + "Title"] ?? "Passline", languageLinks: false, [
            "heading": t[refused.key + "Title"] ?? refused.key, "text": (t[refused.key + "Text"] ?? "") + (refused.detail.isEmpty ? "" : " (\(refused.detail))"),
        ])
        return pages.response(html, status: refused.status, headers: Self.headers(origin: origin))
    }

    /// Framed by the portal only (and not `X-Frame-Options`, which would forbid it); forms post
    /// back here; no scripts.
    static func headers(origin: String?) -> HTTPFields {
        [.contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors \(origin ?? "'none'")"]
    }
}
