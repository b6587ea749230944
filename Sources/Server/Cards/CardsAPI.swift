import Foundation
import Loyalty
import OpenAPIRuntime
import PassBuilder
import Storage

/// `/api/v1/cards` and their transactions: what a CRM drives (scope `crm`).
extension PasslineAPI {
    func createCard(_ input: Operations.CreateCard.Input) async throws -> Operations.CreateCard.Output {
        guard case .json(let body) = input.body else { throw APIError.badRequest("a JSON object body is required") }
        let program = loyalty.program
        let name = try Fields.required(body.name, "name")
        let phone = try Fields.phone(try Fields.required(body.phone, "phone", max: 40))
        let externalID = try Fields.text(body.externalId, "externalId", max: 128)
        var number = try Fields.text(body.number, "number", max: 32)
        if let n = number {
            do { number = try CardNumbers.validateSupplied(n) } catch { throw APIError.unprocessable("number: \(error)", field: "number") }
        } else if program.cardNumbers == .supplied {
            throw APIError.unprocessable("number is required: the program uses numbers of existing plastic cards", field: "number")
        }
        let tier = try Fields.text(body.tier, "tier", max: 32)
        if let tier, program.tier(tier) == nil { throw APIError.unprocessable("unknown tier \(tier)", field: "tier") }
        let card = try await mapping { try await loyalty.issue(NewCard(name: name, phone: phone, externalID: externalID, number: number, tier: tier)) }
        return .created(.init(body: .json(view(card))))
    }

    func getCard(_ input: Operations.GetCard.Input) async throws -> Operations.GetCard.Output {
        .ok(.init(body: .json(view(try await existingCard(input.path.number)))))
    }

    func listCards(_ input: Operations.ListCards.Input) async throws -> Operations.ListCards.Output {
        let q = input.query
        if let phoneText = q.phone {
            let phone = try Fields.phone(phoneText, status: .badRequest)
            return .ok(.init(body: .json(.init(items: try await loyalty.cards(phone: phone).map(view), nextCursor: nil))))
        }
        if let externalID = q.externalId {
            let card = try await loyalty.card(externalID: externalID)
            return .ok(.init(body: .json(.init(items: card.map { [view($0)] } ?? [], nextCursor: nil))))
        }
        let limit = Fields.limit(q.limit)
        let page = try await loyalty.cards(after: q.cursor, limit: limit + 1, search: q.search)
        let items = page.prefix(limit)
        return .ok(.init(body: .json(.init(items: items.map(view), nextCursor: page.count > limit ? items.last?.number : nil))))
    }

    func blockCard(_ input: Operations.BlockCard.Input) async throws -> Operations.BlockCard.Output {
        let number = input.path.number
        return .ok(.init(body: .json(view(try await mapping { try await loyalty.setStatus(.blocked, cardNumber: number) }))))
    }

    func unblockCard(_ input: Operations.UnblockCard.Input) async throws -> Operations.UnblockCard.Output {
        let number = input.path.number
        return .ok(.init(body: .json(view(try await mapping { try await loyalty.setStatus(.active, cardNumber: number) }))))
    }

    func changeCardTier(_ input: Operations.ChangeCardTier.Input) async throws -> Operations.ChangeCardTier.Output {
        guard case .json(let body) = input.body else { throw APIError.badRequest("a JSON object body is required") }
        let number = input.path.number
        let tier = try Fields.required(body.tier, "tier", max: 32)
        return .ok(.init(body: .json(view(try await mapping { try await loyalty.setTier(tier, cardNumber: number) }))))
    }

    func createTransaction(_ input: Operations.CreateTransaction.Input) async throws -> Operations.CreateTransaction.Output {
        guard case .json(let body) = input.body else { throw APIError.badRequest("a JSON object body is required") }
        let operation: LedgerOperation
        let common: Components.Schemas.TransactionCommon
        switch body {
        case .accrual(let accrual):
            operation = .accrual(points: try Fields.points(accrual.value2.points))
            common = accrual.value1
        case .purchase(let purchase):
            operation = .purchase(amount: try Fields.money(purchase.value2.amount, "amount"))
            common = purchase.value1
        case .debit(let debit):
            let share = try debit.value2.purchaseAmount.map { try Fields.money($0, "purchaseAmount") }
            operation = .debit(points: try Fields.points(debit.value2.points), purchase: share)
            common = debit.value1
        case .reversal(let reversal):
            guard reversal.value2.entryId.value > 0 else { throw APIError.unprocessable("entryId (the entry to reverse) is required", field: "entryId") }
            operation = .reversal(entryID: reversal.value2.entryId.value)
            common = reversal.value1
        }
        var businessKey = try Fields.text(common.businessKey, "businessKey", max: BusinessKey.maximumLength, trimmed: false)
        if let key = businessKey {
            do { businessKey = try BusinessKey.validate(key) } catch { throw APIError.unprocessable("businessKey: \(error)", field: "businessKey") }
        }
        let comment = try Fields.text(common.comment, "comment", max: 500)
        let result = try await mapping {
            try await loyalty.apply(operation, cardNumber: input.path.number, businessKey: businessKey, comment: comment)
        }
        let answer = Components.Schemas.TransactionResult(
            balance: Int(result.card.balance), card: view(result.card), entry: Self.view(result.entry), replayed: result.replayed)
        return result.replayed ? .ok(.init(body: .json(answer))) : .created(.init(body: .json(answer)))
    }

    func listTransactions(_ input: Operations.ListTransactions.Input) async throws -> Operations.ListTransactions.Output {
        let card = try await existingCard(input.path.number)
        let limit = Fields.limit(input.query.limit)
        var cursor: Int64?
        if let c = input.query.cursor {
            guard let v = Int64(c), v > 0 else { throw APIError.badRequest("cursor must come from nextCursor", field: "cursor") }
            cursor = v
        }
        let page = try await loyalty.entries(of: card, before: cursor, limit: limit + 1)
        let items = page.prefix(limit)
        return .ok(.init(body: .json(.init(
            balance: Int(card.balance), items: items.map(Self.view), nextCursor: page.count > limit ? items.last.map { String($0.id) } : nil))))
    }

    func getCardPass(_ input: Operations.GetCardPass.Input) async throws -> Operations.GetCardPass.Output {
        let card = try await existingCard(input.path.number)
        guard let (bytes, modifiedAt) = try await loyalty.signedPass(of: card) else {
            throw APIError.notFound("card \(card.number) has no pass")
        }
        return .ok(.init(
            headers: .init(contentDisposition: "attachment; filename=\"\(card.number).pkpass\"", lastModified: HTTPDate.format(modifiedAt)),
            body: .applicationVnd_apple_pkpass(HTTPBody(bytes.readableBytesView))))
    }

    // MARK: views and errors

    func view(_ c: CardRecord) -> Components.Schemas.Card {
        Components.Schemas.Card(
            balance: Int(c.balance), createdAt: c.createdAt, externalId: c.externalID, name: c.name, number: c.number,
            passTypeIdentifier: c.passTypeIdentifier, phone: c.phone.e164, serialNumber: c.serialNumber,
            status: c.status == .blocked ? .blocked : .active, tier: c.tier, tierName: loyalty.program.tier(c.tier)?.name ?? c.tier,
            turnover: Self.money(c.turnover))
    }

    static func view(_ e: LedgerEntryRecord) -> Components.Schemas.LedgerEntry {
        Components.Schemas.LedgerEntry(
            amount: e.amount.map(money), balanceAfter: Int(e.balanceAfter), businessKey: e.businessKey, cardNumber: e.cardNumber,
            comment: e.comment, createdAt: e.createdAt, id: Int(e.id), points: Int(e.points), reverses: e.reverses.map { Int($0) },
            _type: .init(rawValue: e.kind.rawValue) ?? .adjustment)
    }

    /// Minor units as a decimal string, without trapping on values Money refuses.
    static func money(_ minorUnits: Int64) -> String {
        Money(exactly: minorUnits)?.description ?? String(minorUnits)
    }

    func existingCard(_ number: String) async throws -> CardRecord {
        guard let card = try await loyalty.card(number: number) else { throw APIError.notFound("no card \(number)") }
        return card
    }

    /// Runs `body`, answering a ledger refusal as the API error that names its field.
    func mapping<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let error as LedgerError { throw APIError(error) }
    }
}

extension APIError {
    /// A ledger refusal: its status, and the field at fault.
    init(_ error: LedgerError) {
        switch error {
        case .cardNotFound: self.init(.notFound, error.description)
        case .entryNotFound: self.init(.notFound, error.description, field: "entryId")
        case .cardBlocked: self.init(.conflict, error.description)
        case .businessKeyConflict: self.init(.conflict, error.description, field: "businessKey")
        case .duplicateCardNumber: self.init(.conflict, error.description, field: "number")
        case .duplicateExternalID: self.init(.conflict, error.description, field: "externalId")
        case .unknownTier: self.init(.unprocessableContent, error.description, field: "tier")
        case .turnoverLimit: self.init(.unprocessableContent, error.description, field: "amount")
        case .rule(let rule):
            switch rule {
            case .insufficientBalance: self.init(.conflict, rule.description, field: "points")
            case .alreadyReversed: self.init(.conflict, rule.description, field: "entryId")
            case .shareExceeded, .notPositive, .pointsLimit, .balanceLimit: self.init(.unprocessableContent, rule.description, field: "points")
            case .notReversible: self.init(.unprocessableContent, rule.description, field: "entryId")
            }
        }
    }
}
