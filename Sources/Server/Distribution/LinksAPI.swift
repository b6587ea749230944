import Distribution
import Foundation
import Storage

/// `/api/v1/cards/{number}/link` and `/sms`: what a CRM calls to hand a card out (scope `crm`).
extension PasslineAPI {
    func createCardLink(_ input: Operations.CreateCardLink.Input) async throws -> Operations.CreateCardLink.Output {
        let distribution = try requireDistribution()
        let options = try Self.linkOptions(input.body.map { if case .json(let o) = $0 { o } else { nil } } ?? nil)
        let card = try await activeCard(input.path.number)
        let link = try await distribution.issueLink(for: card, household: options.household, ttlDays: options.ttlDays)
        return .created(.init(body: .json(Self.view(link, card: card))))
    }

    func revokeCardLinks(_ input: Operations.RevokeCardLinks.Input) async throws -> Operations.RevokeCardLinks.Output {
        let distribution = try requireDistribution()
        let card = try await existingCard(input.path.number)
        let n = try await distribution.revokeLinks(of: card)
        return .ok(.init(body: .json(.init(cardNumber: card.number, revoked: n))))
    }

    func sendCardLinkSms(_ input: Operations.SendCardLinkSms.Input) async throws -> Operations.SendCardLinkSms.Output {
        let distribution = try requireDistribution()
        let options = try Self.linkOptions(input.body.map { if case .json(let o) = $0 { o } else { nil } } ?? nil)
        let card = try await activeCard(input.path.number)
        do {
            let (message, link) = try await distribution.queueLinkSms(for: card, household: options.household, ttlDays: options.ttlDays)
            return .accepted(.init(body: .json(.init(link: Self.view(link, card: card), message: Self.view(message)))))
        } catch let error as DistributionStoreError where error.isTooLong {
            // Only the program's link text can be (under a very long public URL): the card's name was left out already.
            let field = "sms.templates.\(distribution.locale.rawValue).link"
            throw APIError.unprocessable("\(field): \(error)", field: field)
        } catch let error as DistributionStoreError {
            throw APIError(.tooManyRequests, "\(error); sending resumes at \(SmsBudget.windowEnd(Date()).formatted(.iso8601))")
        }
    }

    func getSms(_ input: Operations.GetSms.Input) async throws -> Operations.GetSms.Output {
        let distribution = try requireDistribution()
        let text = input.path.id
        guard let id = Int64(text), id > 0 else { throw APIError.badRequest("id must be a message id (a positive whole number)", field: "id") }
        guard let message = try await distribution.sms(id: id) else { throw APIError.notFound("no message \(id)") }
        return .ok(.init(body: .json(Self.view(message))))
    }

    /// `{"household"?: bool, "ttlDays"?: 1…3650}`; no body takes the defaults.
    static func linkOptions(_ body: Components.Schemas.LinkOptions?) throws -> (household: Bool, ttlDays: Int?) {
        if let ttl = body?.ttlDays, !(1...3650).contains(ttl) {
            throw APIError.unprocessable("ttlDays must be a whole number of days, 1–3650", field: "ttlDays")
        }
        return (body?.household ?? false, body?.ttlDays)
    }

    func activeCard(_ number: String) async throws -> CardRecord {
        let card = try await existingCard(number)
        guard card.status == .active else { throw APIError(.conflict, "card \(number) is blocked: its link would not deliver") }
        return card
    }

    static func view(_ link: DistributionService.IssuedLink, card: CardRecord) -> Components.Schemas.Link {
        Components.Schemas.Link(
            cardNumber: card.number, downloads: Int(link.link.downloads), expiresAt: link.expiresAt, opens: Int(link.link.opens),
            scope: link.scope == .card ? .card : .household, token: link.token, url: link.url)
    }

    static func view(_ m: SmsRecord) -> Components.Schemas.SmsMessage {
        Components.Schemas.SmsMessage(
            attempts: m.attempts, cardNumber: m.cardNumber, createdAt: m.createdAt, id: Int(m.id),
            kind: .init(rawValue: m.kind) ?? .link, lastError: m.lastError, phone: m.phone.e164, provider: m.provider,
            providerMessageId: m.providerID, sentAt: m.sentAt, state: .init(rawValue: m.state.rawValue) ?? .failed,
            // A code message's text holds the code: never shown.
            text: m.kind == MessageKind.code.rawValue ? nil : m.text)
    }
}
