import Foundation
import Hummingbird
import Loyalty
import PassBuilder
import Storage

/// `/api/v1/cards` and their transactions: what a CRM drives (scope `crm`).
struct CardRoutes: Sendable {
    typealias Context = AppRequestContext
    let loyalty: LoyaltyService
    let maxBodyBytes: Int
    var idempotency: Idempotency { Idempotency(database: loyalty.ledger.database) }

    func register(on router: some RouterMethods<Context>) {
        router.post("cards", use: create)
        router.get("cards", use: list)
        router.get("cards/:number", use: show)
        router.post("cards/:number/block", use: block)
        router.post("cards/:number/unblock", use: unblock)
        router.post("cards/:number/tier", use: changeTier)
        router.post("cards/:number/transactions", use: transact)
        router.get("cards/:number/transactions", use: transactions)
        router.get("cards/:number/pass", use: pass)
    }

    // MARK: JSON

    func describe(_ c: CardRecord) -> JSONValue {
        let tier = loyalty.program.tier(c.tier)
        return .object([
            "number": .string(c.number), "serialNumber": .string(c.serialNumber), "passTypeIdentifier": .string(c.passTypeIdentifier),
            "name": .string(c.name), "phone": .string(c.phone.e164), "externalId": c.externalID.map(JSONValue.string) ?? .null,
            "status": .string(c.status.rawValue), "balance": .integer(c.balance), "tier": .string(c.tier),
            "tierName": .string(tier?.name ?? c.tier), "turnover": .string(Self.money(c.turnover)),
            "createdAt": .string(c.createdAt.formatted(.iso8601)),
        ])
    }

    static func describe(_ e: LedgerEntryRecord) -> JSONValue {
        .object([
            "id": .integer(e.id), "type": .string(e.kind.rawValue), "points": .integer(e.points),
            "amount": e.amount.map { .string(Self.money($0)) } ?? .null, "cardNumber": e.cardNumber.map(JSONValue.string) ?? .null,
            "businessKey": e.businessKey.map(JSONValue.string) ?? .null, "reverses": e.reverses.map(JSONValue.integer) ?? .null,
            "comment": e.comment.map(JSONValue.string) ?? .null, "balanceAfter": .integer(e.balanceAfter),
            "createdAt": .string(e.createdAt.formatted(.iso8601)),
        ])
    }

    /// Minor units as a decimal string, without trapping on values Money refuses.
    static func money(_ minorUnits: Int64) -> String {
        Money(exactly: minorUnits)?.description ?? String(minorUnits)
    }

    // MARK: field readers (422 naming the field)

    /// An optional text field: nil when absent or null, otherwise as ``requiredString(_:_:max:trimmed:)``.
    static func string(_ body: [String: JSONValue], _ key: String, max: Int = 200, trimmed: Bool = true) throws -> String? {
        switch body[key] {
        case nil, .null?: nil
        default: try requiredString(body, key, max: max, trimmed: trimmed)
        }
    }

    /// A required text field: at most `max` characters (and the code points and bytes ``TextLimit``
    /// allows them), no control characters; trimmed unless `trimmed` is false (a key, matched byte for byte).
    static func requiredString(_ body: [String: JSONValue], _ key: String, max: Int = 200, trimmed: Bool = true) throws -> String {
        switch body[key] {
        case nil, .null?:
            throw APIError.unprocessable("\(key) is required", field: key)
        case .string(let s)?:
            let t = trimmed ? s.trimmingCharacters(in: .whitespacesAndNewlines) : s
            guard !t.isEmpty else { throw APIError.unprocessable("\(key) must not be empty", field: key) }
            try TextLimit(characters: max).validate(t, field: key)
            guard !t.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                throw APIError.unprocessable("\(key) contains control characters", field: key)
            }
            return t
        default:
            throw APIError.unprocessable("\(key) must be a string", field: key)
        }
    }

    static func points(_ body: [String: JSONValue], _ key: String = "points") throws -> Int64 {
        switch body[key] {
        case .integer(let n)? where n > 0 && n <= PointLimits.perEntry: return n
        case .integer?: throw APIError.unprocessable("\(key) must be a whole number of points from 1 to \(PointLimits.perEntry)", field: key)
        case .number?: throw APIError.unprocessable("\(key) must be a whole number of points", field: key)
        case nil, .null?: throw APIError.unprocessable("\(key) is required", field: key)
        default: throw APIError.unprocessable("\(key) must be a number", field: key)
        }
    }

    /// An optional amount: nil when absent or null, otherwise as ``requiredMoney(_:_:)``.
    static func money(_ body: [String: JSONValue], _ key: String) throws -> Money? {
        switch body[key] {
        case nil, .null?: nil
        default: try requiredMoney(body, key)
        }
    }

    /// A required amount: a decimal string (at most 2 decimals) or a JSON integer of whole units.
    static func requiredMoney(_ body: [String: JSONValue], _ key: String) throws -> Money {
        switch body[key] {
        case .string(let s)?:
            do { return try Money(parsing: s) } catch { throw APIError.unprocessable("\(key): \(error)", field: key) }
        case .integer(let n)?:
            // A JSON integer is whole currency units; parsed as text, so range limits apply, no overflow.
            do { return try Money(parsing: String(n)) } catch { throw APIError.unprocessable("\(key): \(error)", field: key) }
        case nil, .null?:
            throw APIError.unprocessable("\(key) is required, as a decimal string such as \"1500.00\"", field: key)
        default:
            throw APIError.unprocessable("\(key) must be a decimal string such as \"1500.00\" (at most 2 decimals)", field: key)
        }
    }

    static func apiError(_ error: LedgerError) -> APIError {
        switch error {
        case .cardNotFound: return APIError(.notFound, error.description)
        case .entryNotFound: return APIError(.notFound, error.description, field: "entryId")
        case .cardBlocked: return APIError(.conflict, error.description)
        case .businessKeyConflict: return APIError(.conflict, error.description, field: "businessKey")
        case .duplicateCardNumber: return APIError(.conflict, error.description, field: "number")
        case .duplicateExternalID: return APIError(.conflict, error.description, field: "externalId")
        case .unknownTier: return APIError.unprocessable(error.description, field: "tier")
        case .turnoverLimit: return APIError.unprocessable(error.description, field: "amount")
        case .rule(let rule):
            switch rule {
            case .insufficientBalance: return APIError(.conflict, rule.description, field: "points")
            case .alreadyReversed: return APIError(.conflict, rule.description, field: "entryId")
            case .shareExceeded: return APIError.unprocessable(rule.description, field: "points")
            case .notPositive: return APIError.unprocessable(rule.description, field: "points")
            case .notReversible: return APIError.unprocessable(rule.description, field: "entryId")
            case .pointsLimit, .balanceLimit: return APIError.unprocessable(rule.description, field: "points")
            }
        }
    }

    func mapping<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let error as LedgerError { throw Self.apiError(error) }
    }

    func number(_ context: Context) throws -> String { try context.parameters.segment("number") }

    func existing(_ number: String) async throws -> CardRecord {
        guard let card = try await loyalty.card(number: number) else { throw APIError.notFound("no card \(number)") }
        return card
    }

    // MARK: handlers

    @Sendable func create(_ request: Request, context: Context) async throws -> Response {
        let identity = try context.require(.crm)
        let (bytes, body) = try await request.jsonBody(limit: maxBodyBytes)
        return try await idempotency.run(request, context: context, body: bytes, identity: identity) {
            let name = try Self.requiredString(body, "name")
            let phoneText = try Self.requiredString(body, "phone", max: 40)
            let phone: PhoneNumber
            do { phone = try PhoneNumber(parsing: phoneText) } catch { throw APIError.unprocessable("phone: \(error)", field: "phone") }
            let externalID = try Self.string(body, "externalId", max: 128)
            var number = try Self.string(body, "number", max: 32)
            if let n = number {
                do { number = try CardNumbers.validateSupplied(n) } catch { throw APIError.unprocessable("number: \(error)", field: "number") }
            } else if loyalty.program.cardNumbers == .supplied {
                throw APIError.unprocessable("number is required: the program uses numbers of existing plastic cards", field: "number")
            }
            let tier = try Self.string(body, "tier", max: 32)
            if let tier, loyalty.program.tier(tier) == nil { throw APIError.unprocessable("unknown tier \(tier)", field: "tier") }
            let card = try await mapping { try await loyalty.issue(NewCard(name: name, phone: phone, externalID: externalID, number: number, tier: tier)) }
            return (.created, describe(card))
        }
    }

    @Sendable func show(_ request: Request, context: Context) async throws -> Response {
        _ = try context.require(.crm)
        return .json(describe(try await existing(try number(context))))
    }

    @Sendable func list(_ request: Request, context: Context) async throws -> Response {
        _ = try context.require(.crm)
        let q = request.uri.queryParameters
        if let phoneText = q.get("phone") {
            let phone: PhoneNumber
            do { phone = try PhoneNumber(parsing: phoneText) } catch { throw APIError.badRequest("phone: \(error)", field: "phone") }
            return .json(.object(["items": .array(try await loyalty.cards(phone: phone).map(describe)), "nextCursor": .null]))
        }
        if let ext = q.get("externalId") {
            let card = try await loyalty.card(externalID: ext)
            return .json(.object(["items": .array(card.map { [describe($0)] } ?? []), "nextCursor": .null]))
        }
        let limit = try Self.limit(q.get("limit"))
        let page = try await loyalty.cards(after: q.get("cursor"), limit: limit + 1, search: q.get("search"))
        let items = page.prefix(limit)
        return .json(.object([
            "items": .array(items.map(describe)),
            "nextCursor": page.count > limit ? .string(items.last!.number) : .null,
        ]))
    }

    static func limit(_ text: String?) throws -> Int {
        guard let text else { return 50 }
        guard let n = Int(text), (1...500).contains(n) else { throw APIError.badRequest("limit must be 1–500", field: "limit") }
        return n
    }

    @Sendable func block(_ request: Request, context: Context) async throws -> Response {
        _ = try context.require(.crm)
        let n = try number(context)
        return .json(describe(try await mapping { try await loyalty.setStatus(.blocked, cardNumber: n) }))
    }

    @Sendable func unblock(_ request: Request, context: Context) async throws -> Response {
        _ = try context.require(.crm)
        let n = try number(context)
        return .json(describe(try await mapping { try await loyalty.setStatus(.active, cardNumber: n) }))
    }

    @Sendable func changeTier(_ request: Request, context: Context) async throws -> Response {
        _ = try context.require(.crm)
        let n = try number(context)
        let body = try await request.jsonObject(limit: maxBodyBytes)
        let tier = try Self.requiredString(body, "tier", max: 32)
        return .json(describe(try await mapping { try await loyalty.setTier(tier, cardNumber: n) }))
    }

    @Sendable func transact(_ request: Request, context: Context) async throws -> Response {
        let identity = try context.require(.crm)
        let n = try number(context)
        let (bytes, body) = try await request.jsonBody(limit: maxBodyBytes)
        return try await idempotency.run(request, context: context, body: bytes, identity: identity) {
            let operation: LedgerOperation
            switch try Self.requiredString(body, "type", max: 20) {
            case "accrual": operation = .accrual(points: try Self.points(body))
            case "purchase": operation = .purchase(amount: try Self.requiredMoney(body, "amount"))
            case "debit": operation = .debit(points: try Self.points(body), purchase: try Self.money(body, "purchaseAmount"))
            case "reversal":
                guard case .integer(let id)? = body["entryId"], id > 0 else { throw APIError.unprocessable("entryId (the entry to reverse) is required", field: "entryId") }
                operation = .reversal(entryID: id)
            case let other: throw APIError.unprocessable("type \(other) is not one of accrual, purchase, debit, reversal", field: "type")
            }
            var businessKey = try Self.string(body, "businessKey", max: BusinessKey.maximumLength, trimmed: false)
            if let key = businessKey {
                do { businessKey = try BusinessKey.validate(key) } catch { throw APIError.unprocessable("businessKey: \(error)", field: "businessKey") }
            }
            let comment = try Self.string(body, "comment", max: 500)
            let result = try await mapping {
                try await loyalty.apply(operation, cardNumber: n, businessKey: businessKey, comment: comment)
            }
            return (result.replayed ? .ok : .created, .object([
                "entry": Self.describe(result.entry), "balance": .integer(result.card.balance), "card": describe(result.card),
                "replayed": .bool(result.replayed),
            ]))
        }
    }

    @Sendable func transactions(_ request: Request, context: Context) async throws -> Response {
        _ = try context.require(.crm)
        let card = try await existing(try number(context))
        let q = request.uri.queryParameters
        let limit = try Self.limit(q.get("limit"))
        var cursor: Int64?
        if let c = q.get("cursor") {
            guard let v = Int64(c), v > 0 else { throw APIError.badRequest("cursor must come from nextCursor", field: "cursor") }
            cursor = v
        }
        let page = try await loyalty.entries(of: card, before: cursor, limit: limit + 1)
        let items = page.prefix(limit)
        return .json(.object([
            "items": .array(items.map(Self.describe)), "balance": .integer(card.balance),
            "nextCursor": page.count > limit ? .string(String(items.last!.id)) : .null,
        ]))
    }

    @Sendable func pass(_ request: Request, context: Context) async throws -> Response {
        _ = try context.require(.crm)
        let card = try await existing(try number(context))
        guard let (bytes, modifiedAt) = try await loyalty.signedPass(of: card) else {
            throw APIError.notFound("card \(card.number) has no pass")
        }
        return Response(
            status: .ok,
            headers: [.contentType: "application/vnd.apple.pkpass", .contentDisposition: "attachment; filename=\"\(card.number).pkpass\"",
                      .lastModified: HTTPDate.format(modifiedAt)],
            body: .init(byteBuffer: bytes))
    }
}
