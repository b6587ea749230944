import Distribution
import Foundation
import HTTPTypes
import Hummingbird
import Loyalty
import Storage

/// Card search and a card's page: its household, ledger, devices and Google Wallet object.
extension AdminRoutes {
    static let searchPageSize = 25
    static let ledgerPageSize = 25
    static let maximumSearchLength = 100

    /// `GET /admin/cards?q=&after=`: cards whose number, phone or name matches, by number; a
    /// phone in any spelling finds its household.
    @Sendable func cardSearch(_ request: Request, context: Context) async throws -> Response {
        try await signedIn(request) { session, locale in
            let t = AdminStrings.table(locale)
            let frame = AdminPages.Frame(locale: locale, title: t["cards"] ?? "", session: session, nav: "Cards")
            let q = (request.uri.queryParameters.get("q") ?? "").trimmingCharacters(in: .whitespaces)
            guard q.count <= Self.maximumSearchLength, q.unicodeScalars.count <= 2 * Self.maximumSearchLength,
                  !q.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                let values: [String: Any] = ["q": String(q.prefix(Self.maximumSearchLength)), "error": t["searchTooLong"] ?? ""]
                return pages.response(pages.render("adminCards", frame, values), status: .unprocessableContent, request: request)
            }
            var after: String?
            if let raw = request.uri.queryParameters.get("after"), !raw.isEmpty {
                guard raw.utf8.count <= 255, Parameters.isAllowed(raw) else {
                    return pages.message("badRequest", status: .badRequest, request: request, session: session)
                }
                after = String(raw)
            }
            var values: [String: Any] = ["q": q]
            if !q.isEmpty || after != nil {
                let limit = Self.searchPageSize
                var found = try await loyalty.cards(after: after, limit: limit + 1, search: q.isEmpty ? nil : q)
                // "+7 912 345-67-89" matches no stored text; as a phone it names a household.
                if found.isEmpty, after == nil, let phone = try? PhoneNumber(parsing: q) {
                    found = try await loyalty.cards(phone: phone)
                }
                values["searched"] = true
                values["results"] = found.prefix(limit).map { card -> [String: String] in
                    [
                        "number": card.number, "path": Self.path(card.number), "name": card.name, "phone": card.phone.e164,
                        "tier": tierName(card.tier), "balance": String(card.balance), "status": t["status." + card.status.rawValue] ?? card.status.rawValue,
                    ]
                }
                if found.count > limit, let last = found.prefix(limit).last { values["next"] = last.number }
            }
            return pages.response(pages.render("adminCards", frame, values), request: request)
        }
    }

    /// The program's name of a tier, or its code.
    func tierName(_ code: String) -> String {
        loyalty.program.tier(code)?.name ?? code
    }

    /// `GET /admin/cards/{number}?before=ENTRY`: the card, its household, devices and ledger (newest first).
    @Sendable func cardPage(_ request: Request, context: Context) async throws -> Response {
        try await signedIn(request) { session, locale in
            guard let number = try? context.parameters.segment("number") else {
                return pages.message("badRequest", status: .badRequest, request: request, session: session)
            }
            let before: Int64?
            switch Self.positiveID(request, "before") {
            case .success(let id): before = id
            case .failure: return pages.message("badRequest", status: .badRequest, request: request, session: session)
            }
            guard let card = try await loyalty.card(number: number) else {
                return pages.message("notFound", status: .notFound, request: request, session: session)
            }
            let t = AdminStrings.table(locale)
            let limit = Self.ledgerPageSize
            async let household = loyalty.cards(phone: card.phone)
            async let entries = loyalty.ledger.entries(accountID: card.accountID, before: before, limit: limit + 1)
            async let devices = reads.devices(passTypeIdentifier: card.passTypeIdentifier, serialNumber: card.serialNumber, limit: 50)
            async let object = google?.store.object(cardNumber: card.number)
            let page = try await entries
            var values: [String: Any] = [
                "number": card.number, "path": Self.path(card.number), "name": card.name, "phone": card.phone.e164,
                "balance": String(card.balance), "tier": tierName(card.tier), "turnover": Money(minorUnits: card.turnover).description,
                "status": t["status." + card.status.rawValue] ?? card.status.rawValue, "created": dateTime(card.createdAt),
                "household": try await household.map { member -> [String: Any] in
                    [
                        "number": member.number, "path": Self.path(member.number), "name": member.name, "current": member.number == card.number,
                        "status": t["status." + member.status.rawValue] ?? member.status.rawValue, "created": dateTime(member.createdAt),
                    ]
                },
                "devices": try await devices.map { d -> [String: String] in
                    ["client": t["client." + d.client.rawValue] ?? d.client.rawValue, "registered": dateTime(d.registeredAt)]
                },
                "entries": page.prefix(limit).map { e -> [String: String] in
                    [
                        "id": String(e.id), "date": dateTime(e.createdAt), "kind": t["kind." + e.kind.rawValue] ?? e.kind.rawValue,
                        "points": e.points > 0 ? "+\(e.points)" : String(e.points), "balanceAfter": String(e.balanceAfter),
                        "card": e.cardNumber ?? "", "comment": e.comment ?? "",
                    ]
                },
            ]
            if let o = try await object {
                var g: [String: String] = [
                    "state": t["google." + o.syncState] ?? o.syncState, "saved": (o.saved ? t["yes"] : t["no"]) ?? "",
                ]
                if let synced = o.syncedAt { g["synced"] = dateTime(synced) }
                values["google"] = g
            }
            if page.count > limit, let last = page.prefix(limit).last { values["older"] = String(last.id) }
            if before != nil { values["newest"] = true }
            let frame = AdminPages.Frame(locale: locale, title: card.number, session: session, nav: "Cards")
            return pages.response(pages.render("adminCard", frame, values), request: request)
        }
    }
}
