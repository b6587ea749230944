import Distribution
import Foundation
import Hummingbird
import PassBuilder
import Storage

/// `/api/v1/cards/{number}/link` and `/sms`: what a CRM calls to hand a card out (scope `crm`).
struct LinkAPIRoutes: Sendable {
    typealias Context = AppRequestContext
    let distribution: DistributionService
    let maxBodyBytes: Int
    var idempotency: Idempotency { Idempotency(database: distribution.store.database) }

    func register(on router: some RouterMethods<Context>) {
        router.post("cards/:number/link", use: createLink)
        router.delete("cards/:number/link", use: revokeLinks)
        router.post("cards/:number/sms", use: sendSms)
        router.get("sms/:id", use: showSms)
    }

    static func describe(_ link: DistributionService.IssuedLink, card: CardRecord) -> JSONValue {
        .object([
            "url": .string(link.url), "token": .string(link.token), "scope": .string(link.scope == .card ? "card" : "household"),
            "expiresAt": .string(link.expiresAt.formatted(.iso8601)), "cardNumber": .string(card.number),
            "opens": .integer(link.link.opens), "downloads": .integer(link.link.downloads),
        ])
    }

    static func describe(_ m: SmsRecord) -> JSONValue {
        var o: [String: JSONValue] = [
            "id": .integer(m.id), "phone": .string(m.phone.e164), "kind": .string(m.kind), "state": .string(m.state.rawValue),
            "attempts": .integer(Int64(m.attempts)), "createdAt": .string(m.createdAt.formatted(.iso8601)),
            "sentAt": m.sentAt.map { .string($0.formatted(.iso8601)) } ?? .null, "lastError": m.lastError.map(JSONValue.string) ?? .null,
            "provider": m.provider.map(JSONValue.string) ?? .null, "providerMessageId": m.providerID.map(JSONValue.string) ?? .null,
            "cardNumber": m.cardNumber.map(JSONValue.string) ?? .null,
        ]
        // A code message's text holds the code: never shown.
        o["text"] = m.kind == MessageKind.code.rawValue ? .null : .string(m.text)
        return .object(o)
    }

    /// `{"household"?: bool, "ttlDays"?: 1…3650}`; an empty body takes the defaults.
    static func options(_ body: [String: JSONValue]) throws -> (household: Bool, ttlDays: Int?) {
        var household = false
        switch body["household"] {
        case nil, .null?: break
        case .bool(let b)?: household = b
        default: throw APIError.unprocessable("household must be true or false", field: "household")
        }
        var ttl: Int?
        switch body["ttlDays"] {
        case nil, .null?: break
        case .integer(let n)? where (1...3650).contains(n): ttl = Int(n)
        default: throw APIError.unprocessable("ttlDays must be a whole number of days, 1–3650", field: "ttlDays")
        }
        return (household, ttl)
    }

    func body(_ request: Request) async throws -> (bytes: [UInt8], object: [String: JSONValue]) {
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: maxBodyBytes) } catch {
            throw APIError(.contentTooLarge, "the request body is larger than \(maxBodyBytes) bytes")
        }
        let bytes = Array(buffer.readableBytesView)
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return (bytes, [:]) }
        return (bytes, try Request.parseObject(bytes))
    }

    func activeCard(_ context: Context) async throws -> CardRecord {
        let number = try context.parameters.segment("number")
        guard let card = try await distribution.loyalty.card(number: number) else { throw APIError.notFound("no card \(number)") }
        guard card.status == .active else { throw APIError(.conflict, "card \(number) is blocked: its link would not deliver") }
        return card
    }

    @Sendable func createLink(_ request: Request, context: Context) async throws -> Response {
        let identity = try context.require(.crm)
        let (bytes, object) = try await body(request)
        return try await idempotency.run(request, context: context, body: bytes, identity: identity) {
            let options = try Self.options(object)
            let card = try await activeCard(context)
            let link = try await distribution.issueLink(for: card, household: options.household, ttlDays: options.ttlDays)
            return (.created, Self.describe(link, card: card))
        }
    }

    @Sendable func revokeLinks(_ request: Request, context: Context) async throws -> Response {
        _ = try context.require(.crm)
        let number = try context.parameters.segment("number")
        guard let card = try await distribution.loyalty.card(number: number) else { throw APIError.notFound("no card \(number)") }
        let n = try await distribution.revokeLinks(of: card)
        return .json(.object(["cardNumber": .string(card.number), "revoked": .integer(Int64(n))]))
    }

    @Sendable func sendSms(_ request: Request, context: Context) async throws -> Response {
        let identity = try context.require(.crm)
        let (bytes, object) = try await body(request)
        return try await idempotency.run(request, context: context, body: bytes, identity: identity) {
            let options = try Self.options(object)
            let card = try await activeCard(context)
            do {
                let (message, link) = try await distribution.queueLinkSms(for: card, household: options.household, ttlDays: options.ttlDays)
                return (.accepted, .object(["message": Self.describe(message), "link": Self.describe(link, card: card)]))
            } catch let error as DistributionStoreError where error.isTooLong {
                // Only the program's link text can be (under a very long public URL): the card's name was left out already.
                let field = "sms.templates.\(distribution.locale.rawValue).link"
                throw APIError.unprocessable("\(field): \(error)", field: field)
            } catch let error as DistributionStoreError {
                throw APIError(.tooManyRequests, "\(error); sending resumes at \(SmsBudget.windowEnd(Date()).formatted(.iso8601))")
            }
        }
    }

    @Sendable func showSms(_ request: Request, context: Context) async throws -> Response {
        _ = try context.require(.crm)
        let text = try context.parameters.segment("id")
        guard let id = Int64(text), id > 0 else { throw APIError.badRequest("id must be a message id (a positive whole number)", field: "id") }
        guard let message = try await distribution.sms(id: id) else { throw APIError.notFound("no message \(id)") }
        return .json(Self.describe(message))
    }
}
