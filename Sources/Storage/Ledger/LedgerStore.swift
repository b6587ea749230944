import Foundation
import Loyalty
import PassBuilder

/// Cards, households and the points ledger, on the same ``Database`` as the registry.
///
/// Every operation — the ledger entry, the cached balance, the pass tags of every card of the
/// household and the push-due records for their devices — commits in one transaction. Operations
/// on one household serialize on its account row (`FOR UPDATE` on PostgreSQL; SQLite has one
/// writer), so parallel debits never overdraw and parallel accruals never lose one.
public struct LedgerStore: Sendable {
    public let database: any Database

    public init(database: any Database) {
        self.database = database
    }

    static let cardColumns = """
        c.number, c.account_id, c.name, a.phone, c.external_id, c.status, c.pass_type_id, c.serial_number, \
        a.balance, a.turnover, a.tier, c.created_at
        """

    static func card(_ r: SQLRow) throws -> CardRecord {
        try CardRecord(
            number: r.text(0, "cards.number"), accountID: r.int(1, "cards.account_id"), name: r.text(2, "cards.name"),
            phone: r.phone(3, "accounts.phone"), externalID: r.optionalText(4, "cards.external_id"), status: r.value(5, "cards.status"),
            passTypeIdentifier: r.text(6, "cards.pass_type_id"), serialNumber: r.text(7, "cards.serial_number"),
            balance: r.int(8, "accounts.balance"), turnover: r.int(9, "accounts.turnover"), tier: r.text(10, "accounts.tier"),
            createdAt: r.date(11, "cards.created_at"))
    }

    static let entryColumns = "id, account_id, card_number, kind, points, amount, business_key, reverses, comment, balance_after, created_at"

    static func entry(_ r: SQLRow) throws -> LedgerEntryRecord {
        try LedgerEntryRecord(
            id: r.int(0, "ledger_entries.id"), accountID: r.int(1, "ledger_entries.account_id"),
            cardNumber: r.optionalText(2, "ledger_entries.card_number"), kind: r.value(3, "ledger_entries.kind"),
            points: r.int(4, "ledger_entries.points"), amount: r.optionalInt(5, "ledger_entries.amount"),
            businessKey: r.optionalText(6, "ledger_entries.business_key"), reverses: r.optionalInt(7, "ledger_entries.reverses"),
            comment: r.optionalText(8, "ledger_entries.comment"), balanceAfter: r.int(9, "ledger_entries.balance_after"),
            createdAt: r.date(10, "ledger_entries.created_at"))
    }

    // MARK: reading cards

    func cards(_ db: any DatabaseConnection, where condition: String, _ binds: [SQLValue], suffix: String = "") async throws -> [CardRecord] {
        try await db.query("SELECT \(Self.cardColumns) FROM cards c JOIN accounts a ON a.id = c.account_id WHERE \(condition)\(suffix)", binds).map(Self.card)
    }

    public func card(number: String) async throws -> CardRecord? {
        try await database.read { db in try await cards(db, where: "c.number = $1", [.text(number)]).first }
    }

    public func card(externalID: String) async throws -> CardRecord? {
        try await database.read { db in try await cards(db, where: "c.external_id = $1", [.text(externalID)]).first }
    }

    public func card(passTypeIdentifier: String, serialNumber: String) async throws -> CardRecord? {
        try await database.read { db in
            try await cards(db, where: "c.pass_type_id = $1 AND c.serial_number = $2", [.text(passTypeIdentifier), .text(serialNumber)]).first
        }
    }

    /// Every card of the household with this phone.
    public func cards(phone: PhoneNumber) async throws -> [CardRecord] {
        try await database.read { db in try await cards(db, where: "a.phone = $1", [.text(phone.e164)], suffix: " ORDER BY c.number") }
    }

    /// A page of cards ordered by number, after `cursor` (the last number of the previous page);
    /// `search` matches a number prefix, a phone digit substring or a name substring.
    public func listCards(after cursor: String?, limit: Int, search: String?) async throws -> [CardRecord] {
        try await database.read { db in
            var condition = "c.number > $1"
            var binds: [SQLValue] = [.text(cursor ?? "")]
            if let search, !search.isEmpty {
                // The search text is literal: its own %, _ and \ are escaped.
                let escaped = search.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
                let like = "%" + escaped + "%"
                condition += " AND (c.number LIKE $2 ESCAPE '\\' OR a.phone LIKE $2 ESCAPE '\\' OR LOWER(c.name) LIKE LOWER($2) ESCAPE '\\')"
                binds.append(.text(like))
            }
            binds.append(.integer(Int64(limit)))
            return try await cards(db, where: condition, binds, suffix: " ORDER BY c.number LIMIT $\(binds.count)")
        }
    }

    /// A page of the household's ledger, newest first, before entry `cursor`.
    public func entries(accountID: Int64, before cursor: Int64?, limit: Int) async throws -> [LedgerEntryRecord] {
        try await database.read { db in
            try await db.query(
                "SELECT \(Self.entryColumns) FROM ledger_entries WHERE account_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3",
                [.integer(accountID), .integer(cursor ?? Int64.max), .integer(Int64(limit))]
            ).map(Self.entry)
        }
    }

    /// The household's entry written under `businessKey`, if any.
    public func entry(accountID: Int64, businessKey: String) async throws -> LedgerEntryRecord? {
        try await database.read { db in
            try await db.query(
                "SELECT \(Self.entryColumns) FROM ledger_entries WHERE account_id = $1 AND business_key = $2", [.integer(accountID), .text(businessKey)]
            ).first.map(Self.entry)
        }
    }

    // MARK: issuing

    /// Issues a card: finds or creates the household for the phone (a new one gets the welcome
    /// points), numbers the card, and creates its pass row with `passValues`.
    public func issueCard(
        _ new: NewCard, program: LoyaltyProgram, passTypeIdentifier: String, template: String, variant: String?, serialNumber: String,
        passValues: [String: JSONValue], now: Date = Date()
    ) async throws -> (card: CardRecord, entries: [LedgerEntryRecord]) {
        if let tier = new.tier, program.tier(tier) == nil { throw LedgerError.unknownTier(tier) }
        return try await database.transaction { db in
            let seconds = Int64(now.timeIntervalSince1970)
            let lock = db.dialect == .postgres ? " FOR UPDATE" : ""
            var accountID = try await db.query("SELECT id FROM accounts WHERE phone = $1\(lock)", [.text(new.phone.e164)]).first?.int(0)
            var entries: [LedgerEntryRecord] = []
            if accountID == nil {
                let tier = new.tier ?? program.defaultTier
                let rows = try await db.query(
                    """
                    INSERT INTO accounts (phone, balance, turnover, tier, created_at) VALUES ($1, 0, 0, $2, $3)
                    ON CONFLICT (phone) DO NOTHING RETURNING id
                    """, [.text(new.phone.e164), .text(tier), .integer(seconds)])
                // A concurrent issue for the same phone created it first: use theirs (now locked by us).
                if let id = rows.first?.int(0) {
                    accountID = id
                } else {
                    accountID = try await db.query("SELECT id FROM accounts WHERE phone = $1\(lock)", [.text(new.phone.e164)]).first?.int(0)
                }
                if let id = accountID, rows.first != nil, program.welcomePoints > 0 {
                    entries.append(try await Self.insertEntry(
                        db, accountID: id, cardNumber: nil, kind: .welcome, points: program.welcomePoints, amount: nil,
                        businessKey: nil, reverses: nil, comment: "welcome points", now: seconds))
                }
            }
            guard let accountID else { throw DatabaseError("could not create the account for \(new.phone)") }
            let suffixes = try await db.query("SELECT suffix FROM cards WHERE account_id = $1 AND suffix IS NOT NULL", [.integer(accountID)]).compactMap { $0.int(0).map(Int.init) }
            let number: String
            var suffix: Int?
            if let supplied = new.number {
                number = supplied
            } else {
                // A supplied number may already look like this household's next virtual one: skip it.
                var next = CardNumbers.nextSuffix(inUse: suffixes)
                while try await !db.query("SELECT 1 FROM cards WHERE number = $1", [.text(CardNumbers.virtual(phone: new.phone, suffix: next))]).isEmpty {
                    next += 1
                }
                suffix = next
                number = CardNumbers.virtual(phone: new.phone, suffix: next)
            }
            // A virtual number was just found free; a supplied one may be taken.
            if new.number != nil, try await !db.query("SELECT 1 FROM cards WHERE number = $1", [.text(number)]).isEmpty {
                throw LedgerError.duplicateCardNumber(number)
            }
            if let ext = new.externalID, try await !db.query("SELECT 1 FROM cards WHERE external_id = $1", [.text(ext)]).isEmpty {
                throw LedgerError.duplicateExternalID(ext)
            }
            // Tag 0 for now: the real tag is stamped last, when the counter may be locked until commit.
            try await db.query(
                "INSERT INTO passes (\(RegistryStore.passColumns)) VALUES ($1, $2, $3, $4, $5, 0, $6, $6)",
                [.text(passTypeIdentifier), .text(serialNumber), .text(template), variant.map(SQLValue.text) ?? .null, RegistryStore.json(passValues), .integer(seconds)])
            try await db.query(
                """
                INSERT INTO cards (number, account_id, suffix, name, external_id, status, pass_type_id, serial_number, created_at, source)
                VALUES ($1, $2, $3, $4, $5, 'active', $6, $7, $8, $9)
                """,
                [.text(number), .integer(accountID), suffix.map { .integer(Int64($0)) } ?? .null, .text(new.name), new.externalID.map(SQLValue.text) ?? .null,
                 .text(passTypeIdentifier), .text(serialNumber), .integer(seconds), .text(new.source.rawValue)])
            guard let card = try await cards(db, where: "c.number = $1", [.text(number)]).first else { throw LedgerError.cardNotFound(number) }
            // The household's other cards show the same balance: with a welcome grant they all changed.
            if entries.isEmpty {
                try await RegistryStore.stampPasses(db, .pass(passTypeIdentifier: passTypeIdentifier, serialNumber: serialNumber), now: seconds)
            } else {
                try await Self.touchAccount(db, accountID: accountID, now: seconds)
            }
            return (card, entries)
        }
    }

    // MARK: operations

    /// Applies an operation to the card's household. With a business key, applying it again
    /// returns the first result (``LedgerResult/replayed``) instead of writing twice.
    public func apply(
        _ operation: LedgerOperation, cardNumber: String, businessKey: String?, comment: String?, program: LoyaltyProgram, now: Date = Date()
    ) async throws -> LedgerResult {
        try await database.transaction { db in
            let seconds = Int64(now.timeIntervalSince1970)
            guard let card = try await Self.lockedCard(db, cardNumber) else { throw LedgerError.cardNotFound(cardNumber) }
            if let businessKey, let existing = try await db.query(
                "SELECT \(Self.entryColumns) FROM ledger_entries WHERE account_id = $1 AND business_key = $2", [.integer(card.accountID), .text(businessKey)]
            ).first.map(Self.entry) {
                guard Self.matches(existing, operation) else { throw LedgerError.businessKeyConflict(businessKey) }
                return LedgerResult(entry: existing, card: card, replayed: true)
            }
            guard card.status == .active else { throw LedgerError.cardBlocked(cardNumber) }
            // A tier removed from the program since: the household counts as in the default tier.
            guard let tier = program.tier(card.tier) ?? program.tier(program.defaultTier) else { throw LedgerError.unknownTier(card.tier) }
            var points: Int64
            var amount: Int64?
            var reverses: Int64?
            var kind: EntryKind
            var turnover = card.turnover
            do {
                switch operation {
                case .accrual(let p):
                    guard p > 0 else { throw LedgerRuleError.notPositive }
                    (kind, points) = (.accrual, p)
                case .broadcast(let p):
                    guard p > 0 else { throw LedgerRuleError.notPositive }
                    (kind, points) = (.broadcast, p)
                case .purchase(let money):
                    (kind, points, amount) = (.purchase, LedgerRules.accrualPoints(purchase: money, tier: tier, program: program), money.minorUnits)
                    let (sum, overflow) = turnover.addingReportingOverflow(money.minorUnits)
                    guard !overflow, sum <= Money.maximum.minorUnits else { throw LedgerError.turnoverLimit }
                    turnover = sum
                case .debit(let p, let purchase):
                    try LedgerRules.checkDebit(points: p, balance: card.balance, purchase: purchase, program: program)
                    (kind, points, amount) = (.debit, -p, purchase?.minorUnits)
                case .reversal(let id):
                    guard let original = try await db.query(
                        "SELECT \(Self.entryColumns) FROM ledger_entries WHERE id = $1 AND account_id = $2", [.integer(id), .integer(card.accountID)]
                    ).first.map(Self.entry) else { throw LedgerError.entryNotFound(id) }
                    let already = try await !db.query("SELECT 1 FROM ledger_entries WHERE reverses = $1", [.integer(id)]).isEmpty
                    points = try LedgerRules.reversalPoints(of: original.kind, points: original.points, alreadyReversed: already, balance: card.balance)
                    (kind, reverses) = (.reversal, id)
                    if original.kind == .purchase, let a = original.amount { turnover -= a; amount = a }
                }
                // Every credit stays within the limits, so the balance arithmetic below can't overflow.
                if points > 0 { _ = try LedgerRules.credit(points, to: card.balance) }
            } catch let error as LedgerRuleError {
                throw LedgerError.rule(error)
            }
            let entry = try await Self.insertEntry(
                db, accountID: card.accountID, cardNumber: cardNumber, kind: kind, points: points, amount: amount,
                businessKey: businessKey, reverses: reverses, comment: comment, now: seconds)
            // Turnover moves the tier up (never down) automatically.
            let newTier = turnover > card.turnover
                ? LedgerRules.tier(afterTurnover: Money(exactly: turnover) ?? .maximum, current: tier, program: program).code : card.tier
            if turnover != card.turnover || newTier != card.tier {
                try await db.query(
                    "UPDATE accounts SET turnover = $1, tier = $2 WHERE id = $3", [.integer(turnover), .text(newTier), .integer(card.accountID)])
            }
            var updated = card
            (updated.balance, updated.turnover, updated.tier) = (entry.balanceAfter, turnover, newTier)
            try await Self.touchAccount(db, accountID: card.accountID, now: seconds)
            return LedgerResult(entry: entry, card: updated, replayed: false)
        }
    }

    static func matches(_ entry: LedgerEntryRecord, _ operation: LedgerOperation) -> Bool {
        switch operation {
        case .accrual(let p): return entry.kind == .accrual && entry.points == p
        case .broadcast(let p): return entry.kind == .broadcast && entry.points == p
        case .purchase(let m): return entry.kind == .purchase && entry.amount == m.minorUnits
        case .debit(let p, let m): return entry.kind == .debit && entry.points == -p && entry.amount == m?.minorUnits
        case .reversal(let id): return entry.kind == .reversal && entry.reverses == id
        }
    }

    /// The card with its account row locked for the rest of the transaction.
    static func lockedCard(_ db: any DatabaseConnection, _ number: String) async throws -> CardRecord? {
        let lock = db.dialect == .postgres ? " FOR UPDATE OF a" : ""
        return try await db.query(
            "SELECT \(cardColumns) FROM cards c JOIN accounts a ON a.id = c.account_id WHERE c.number = $1\(lock)", [.text(number)]
        ).first.map(card)
    }

    /// One entry on one household: ``writeEntries(_:accounts:kind:points:cardNumber:amount:businessKey:reverses:comment:now:)``
    /// for that household, returning the entry.
    static func insertEntry(
        _ db: any DatabaseConnection, accountID: Int64, cardNumber: String?, kind: EntryKind, points: Int64, amount: Int64?,
        businessKey: String?, reverses: Int64?, comment: String?, now: Int64
    ) async throws -> LedgerEntryRecord {
        let written = try await writeEntries(
            db, accounts: .account(accountID), kind: kind, points: points, cardNumber: cardNumber, amount: amount,
            businessKey: businessKey, reverses: reverses, comment: comment, now: now, returning: true)
        guard let entry = written.entries.first else { throw DatabaseError("account \(accountID) vanished") }
        return entry
    }

    /// The one writer of ledger entries: adds `points` (negative for a debit) to the balance of
    /// every selected household that has no entry with `businessKey` yet, and writes each one's
    /// entry with the balance after it, in the caller's transaction. Set-based, so a broadcast
    /// grants a whole batch of households in two statements. Returns how many households it
    /// wrote, and their entries when `returning`.
    @discardableResult
    static func writeEntries(
        _ db: any DatabaseConnection, accounts: AccountSelection, kind: EntryKind, points: Int64, cardNumber: String?, amount: Int64?,
        businessKey: String?, reverses: Int64?, comment: String?, now: Int64, returning: Bool
    ) async throws -> (count: Int64, entries: [LedgerEntryRecord]) {
        var u = SQLBinds()
        let increment = u.add(.integer(points))
        let updateKey = businessKey.map { "e.business_key = \(u.add(.text($0)))" }
        try await db.query("UPDATE accounts SET balance = balance + \(increment) WHERE \(accounts.updateCondition(&u, unless: updateKey))", u.values)
        // The same households (their entries don't exist yet); balance_after is the balance just changed.
        var i = SQLBinds()
        let values = [
            "CAST(\(i.add(cardNumber.map(SQLValue.text) ?? .null)) AS TEXT)", "CAST(\(i.add(.text(kind.rawValue))) AS TEXT)",
            "CAST(\(i.add(.integer(points))) AS BIGINT)", "CAST(\(i.add(amount.map(SQLValue.integer) ?? .null)) AS BIGINT)",
            "CAST(\(i.add(businessKey.map(SQLValue.text) ?? .null)) AS TEXT)", "CAST(\(i.add(reverses.map(SQLValue.integer) ?? .null)) AS BIGINT)",
            "CAST(\(i.add(comment.map(SQLValue.text) ?? .null)) AS TEXT)",
        ].joined(separator: ", ")
        let created = i.add(.integer(now))
        let fresh = businessKey.map { " AND NOT EXISTS (SELECT 1 FROM ledger_entries e WHERE e.account_id = a.id AND e.business_key = \(i.add(.text($0))))" } ?? ""
        let insert = """
            INSERT INTO ledger_entries (account_id, card_number, kind, points, amount, business_key, reverses, comment, balance_after, created_at)
            SELECT a.id, \(values), a.balance, CAST(\(created) AS BIGINT) FROM accounts a WHERE \(accounts.condition(&i))\(fresh)
            """
        guard returning else { return (try await db.changingRows(insert, i.values), []) }
        let entries = try await db.query(insert + " RETURNING \(entryColumns)", i.values).map(entry)
        return (Int64(entries.count), entries)
    }

    /// Every pass of the household's cards gets `tag`, and every device holding one is due a
    /// push (one row per push token and pass type, however many of its passes changed).
    /// Call it last in the transaction (it takes the update tag).
    ///
    /// Lock order, everywhere: account row → pass rows → the update-tag counter. A pass PATCH locks
    /// its pass row, then the counter; taking the household's pass rows here before the counter
    /// keeps the two from deadlocking on PostgreSQL.
    static func touchAccount(_ db: any DatabaseConnection, accountID: Int64, now: Int64) async throws {
        let passes = PassSelection.household(accountID: accountID)
        try await RegistryStore.lockPasses(db, passes)
        try await PushOutboxStore.recordDue(db, passes: passes, dueAt: now)
        try await RegistryStore.stampPasses(db, passes, now: now)
    }

    // MARK: card state

    /// Blocks or unblocks a card. The pass is re-tagged so devices re-check it (the status is not drawn on it yet).
    public func setStatus(cardNumber: String, _ status: CardStatus, now: Date = Date()) async throws -> CardRecord {
        try await database.transaction { db in
            guard let card = try await Self.lockedCard(db, cardNumber) else { throw LedgerError.cardNotFound(cardNumber) }
            try await db.query("UPDATE cards SET status = $1 WHERE number = $2", [.text(status.rawValue), .text(cardNumber)])
            var updated = card
            updated.status = status
            try await Self.touchAccount(db, accountID: card.accountID, now: Int64(now.timeIntervalSince1970))
            return updated
        }
    }

    /// Moves the household to a tier (a manual change; automatic ones follow turnover).
    public func setTier(cardNumber: String, tier: String, program: LoyaltyProgram, now: Date = Date()) async throws -> CardRecord {
        guard program.tier(tier) != nil else { throw LedgerError.unknownTier(tier) }
        return try await database.transaction { db in
            guard let card = try await Self.lockedCard(db, cardNumber) else { throw LedgerError.cardNotFound(cardNumber) }
            try await db.query("UPDATE accounts SET tier = $1 WHERE id = $2", [.text(tier), .integer(card.accountID)])
            var updated = card
            updated.tier = tier
            try await Self.touchAccount(db, accountID: card.accountID, now: Int64(now.timeIntervalSince1970))
            return updated
        }
    }
}
