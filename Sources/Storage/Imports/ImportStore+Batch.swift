import Core
import Foundation
import Loyalty
import PassBuilder

extension ImportStore {
    /// Imports the next `size` rows of `file` in one transaction, from the committed cursor, and
    /// moves the cursor past them with the counts: a crash loses at most this batch, which the
    /// next runner does again. Set-based: the batch's households, passes, cards, opening entries
    /// and Google objects are a few multi-row statements, whatever the batch's size.
    ///
    /// What each row becomes:
    /// * A row whose card exists already is counted and left as it is: one with a card number
    ///   that is issued, one with an external id that is taken, or one with neither when its
    ///   household already has as many cards of that name as the file has had rows of that phone
    ///   and name so far. Importing a file again writes nothing.
    /// * Otherwise a card (source `import`) with its pass (written with a new tag) and, when
    ///   Google Wallet is on, its object's row due now; a household for a new phone (tier: the
    ///   highest its rows name, else the default tier raised by the turnover; no welcome points);
    ///   an `opening` entry `import:<hash16>:<line>` for a balance above zero; turnover added.
    /// * A household that existed before the batch and whose balance or tier changed has its
    ///   passes stamped and pushes recorded for its devices, as any ledger change does.
    ///
    /// `beforeCommit` runs last in the transaction (tests throw there to simulate a crash).
    public func runBatch(
        id: Int64, owner: String, file: ImportFile, size: Int, leaseSeconds: Int64, program: LoyaltyProgram, settings: ImportPassSettings,
        now: Date = Date(), beforeCommit: @escaping @Sendable () async throws -> Void = {}
    ) async throws -> ImportBatchOutcome {
        try await database.transaction { db in
            let s = Self.seconds(now)
            let lock = db.dialect == .postgres ? " FOR UPDATE" : ""
            guard let head = try await db.query("SELECT state, cursor, lease_owner, file_hash FROM imports WHERE id = $1\(lock)", [.integer(id)]).first else {
                return ImportBatchOutcome(kind: .stopped, record: nil)
            }
            let state: ImportState = try head.value(0, "imports.state")
            guard state == .running, try head.optionalText(2, "imports.lease_owner") == owner else {
                return ImportBatchOutcome(kind: .stopped, record: nil)
            }
            let cursor = Int(try head.int(1, "imports.cursor"))
            let hash = try head.text(3, "imports.file_hash")
            var counts = ImportBatchCounts()
            let end = min(cursor + max(1, size), file.rows.count)
            if cursor < end {
                var batch = ImportBatch(db: db, file: file, range: cursor..<end, program: program, settings: settings, hashPrefix: String(hash.prefix(16)), now: s)
                counts = try await batch.write()
            }
            let finished = end >= file.rows.count
            let until = Lease(seconds: leaseSeconds).until(now: now.timeIntervalSince1970)
            let rows = try await db.query(
                """
                UPDATE imports SET cursor = $1, cards_created = cards_created + $2, cards_existing = cards_existing + $3,
                    households_created = households_created + $4, opening_points = opening_points + $5,
                    state = $6, lease_until = $7, lease_owner = $8, finished_at = $9\(finished ? ", file = $11" : "")
                WHERE id = $10 RETURNING \(Self.columns)
                """,
                // A done import's file is emptied: it was kept to resume from, and its hash stays.
                [.integer(Int64(end)), .integer(counts.cardsCreated), .integer(counts.cardsExisting), .integer(counts.householdsCreated),
                 .integer(counts.openingPoints), .text(finished ? ImportState.done.rawValue : ImportState.running.rawValue), .integer(until),
                 finished ? .null : .text(owner), finished ? .integer(s) : .null, .integer(id)] + (finished ? [.blob([])] : []))
            try await beforeCommit()
            return ImportBatchOutcome(kind: finished ? .finished : .progressed, record: try rows.first.map(Self.record))
        }
    }
}

/// What one batch added to its import's counts.
struct ImportBatchCounts: Sendable {
    var cardsCreated: Int64 = 0
    var cardsExisting: Int64 = 0
    var householdsCreated: Int64 = 0
    var openingPoints: Int64 = 0
}

/// One batch's writing, in the caller's transaction (see ``ImportStore/runBatch(id:owner:file:size:leaseSeconds:program:settings:now:beforeCommit:)``).
struct ImportBatch {
    let db: any DatabaseConnection
    let file: ImportFile
    let range: Range<Int>
    let program: LoyaltyProgram
    let settings: ImportPassSettings
    let hashPrefix: String
    let now: Int64

    /// A household as the batch found it (locked) and leaves it.
    struct Household {
        var id: Int64
        var balance: Int64
        var turnover: Int64
        var tier: String
        var created: Bool
        var changed = false
    }

    /// A card to create: its row, household and number.
    struct NewCardRow {
        var row: ImportRow
        var accountID: Int64
        var number: String
        var suffix: Int?
        var serial: String
    }

    mutating func write() async throws -> ImportBatchCounts {
        var counts = ImportBatchCounts()
        let rows = Array(file.rows[range])
        let fresh = try await rowsToCreate(rows)
        counts.cardsExisting = Int64(rows.count - fresh.count)
        guard !fresh.isEmpty else { return counts }

        var households = try await households(for: fresh)
        counts.householdsCreated = Int64(households.values.filter(\.created).count)
        let cards = try await number(fresh, households: households)

        // Opening entries and turnover, in file order: each entry's balance_after is the balance it made.
        var entries: [(card: NewCardRow, balanceAfter: Int64)] = []
        for card in cards {
            guard var h = households[card.row.phone] else { continue }
            if card.row.balance > 0 {
                do { h.balance = try LedgerRules.credit(card.row.balance, to: h.balance) } catch { throw LedgerError.rule(error) }
                entries.append((card, h.balance))
                counts.openingPoints += card.row.balance
                h.changed = true
            }
            if card.row.turnover > 0 {
                let (sum, overflow) = h.turnover.addingReportingOverflow(card.row.turnover)
                guard !overflow, sum <= Money.maximum.minorUnits else { throw LedgerError.turnoverLimit }
                h.turnover = sum
                h.changed = true
            }
            households[card.row.phone] = h
        }
        let withTurnover = Set(cards.filter { $0.row.turnover > 0 }.map(\.row.phone))
        for (phone, h) in households {
            let tier = tier(of: h, named: file.householdTiers[phone], turnoverAdded: withTurnover.contains(phone))
            if tier != h.tier { households[phone]?.tier = tier; households[phone]?.changed = true }
        }

        try await insertEntries(entries)
        try await updateAccounts(households.values.filter(\.changed))
        // Households that existed before this batch show the new balance or tier on their other cards.
        for h in households.values.sorted(by: { $0.id < $1.id }) where h.changed && !h.created {
            try await LedgerStore.touchAccount(db, accountID: h.id, now: now)
        }
        // The new passes are written with their first tag, taken after everything else the batch
        // changes (the counter stays locked until commit): only the passes, cards and Google
        // objects, new rows nobody else can see, are written after it. Stamping them after the
        // insert instead would cost an UPDATE of every new pass in every batch.
        let tag = try await RegistryStore.nextTag(db)
        try await insertPassesAndCards(cards, households: households, tag: tag)
        if let ids = settings.googleIDs { try await insertGoogleObjects(cards, households: households, ids: ids) }
        counts.cardsCreated = Int64(cards.count)
        return counts
    }

    /// The rows of the batch whose card does not exist yet.
    func rowsToCreate(_ rows: [ImportRow]) async throws -> [ImportRow] {
        let numbers = Set(try await texts("SELECT number FROM cards WHERE number IN", rows.compactMap(\.number)))
        let externalIDs = Set(try await texts("SELECT external_id FROM cards WHERE external_id IN", rows.filter { $0.number == nil }.compactMap(\.externalID)))
        // Virtual cards are recognised by phone and name; cards the file names by number or external id don't count.
        let phones = Array(Set(rows.filter { $0.number == nil && $0.externalID == nil }.map(\.phone.e164)))
        var named: [NameKey: Int] = [:]
        for chunk in phones.importChunks(ImportStore.chunk) {
            var b = SQLBinds()
            let list = chunk.map { b.add(.text($0)) }.joined(separator: ", ")
            for r in try await db.query(
                "SELECT a.phone, c.name, c.number, c.external_id FROM cards c JOIN accounts a ON a.id = c.account_id WHERE a.phone IN (\(list))", b.values
            ) {
                let number = try r.text(2, "cards.number")
                if file.numbers.contains(number) { continue }
                if let e = try r.optionalText(3, "cards.external_id"), file.externalIDs.contains(e) { continue }
                named[NameKey(phone: try r.phone(0, "accounts.phone"), name: try r.text(1, "cards.name")), default: 0] += 1
            }
        }
        var fresh: [ImportRow] = []
        for (offset, row) in rows.enumerated() {
            let exists: Bool
            if let n = row.number {
                exists = numbers.contains(n)
            } else if let e = row.externalID {
                exists = externalIDs.contains(e)
            } else {
                exists = file.occurrences[range.lowerBound + offset] <= named[NameKey(phone: row.phone, name: row.name), default: 0]
            }
            if !exists { fresh.append(row) }
        }
        return fresh
    }

    /// The households of the rows' phones, made where missing (no welcome points: an imported
    /// household brings its balance), and locked for the rest of the transaction.
    func households(for rows: [ImportRow]) async throws -> [PhoneNumber: Household] {
        var phones: [PhoneNumber] = []
        var seen = Set<PhoneNumber>()
        for row in rows where seen.insert(row.phone).inserted { phones.append(row.phone) }
        var created = Set<String>()
        for chunk in phones.importChunks(ImportStore.chunk / 2) {
            var b = SQLBinds()
            let at = b.add(.integer(now))
            let values = chunk.map { phone in
                "(\(b.add(.text(phone.e164))), 0, 0, \(b.add(.text(file.householdTiers[phone] ?? program.defaultTier))), \(at))"
            }.joined(separator: ", ")
            for r in try await db.query(
                "INSERT INTO accounts (phone, balance, turnover, tier, created_at) VALUES \(values) ON CONFLICT (phone) DO NOTHING RETURNING phone", b.values
            ) {
                created.insert(try r.text(0, "accounts.phone"))
            }
        }
        var found: [PhoneNumber: Household] = [:]
        let lock = db.dialect == .postgres ? " ORDER BY id FOR UPDATE" : ""
        for chunk in phones.importChunks(ImportStore.chunk) {
            var b = SQLBinds()
            let list = chunk.map { b.add(.text($0.e164)) }.joined(separator: ", ")
            for r in try await db.query("SELECT id, phone, balance, turnover, tier FROM accounts WHERE phone IN (\(list))\(lock)", b.values) {
                let phone = try r.phone(1, "accounts.phone")
                found[phone] = Household(
                    id: try r.int(0, "accounts.id"), balance: try r.int(2, "accounts.balance"), turnover: try r.int(3, "accounts.turnover"),
                    tier: try r.text(4, "accounts.tier"), created: created.contains(phone.e164))
            }
        }
        return found
    }

    /// Numbers the new cards: a supplied number as it is (a virtual-looking one of the row's own
    /// phone keeps its suffix, so later virtual cards of the household count past it); a virtual
    /// one past the household's largest suffix, skipping numbers that are taken or that the file
    /// supplies to another row.
    func number(_ rows: [ImportRow], households: [PhoneNumber: Household]) async throws -> [NewCardRow] {
        let virtualAccounts = Set(rows.filter { $0.number == nil }.compactMap { households[$0.phone]?.id })
        var next: [Int64: Int] = [:]
        for chunk in Array(virtualAccounts).importChunks(ImportStore.chunk) {
            var b = SQLBinds()
            let list = chunk.map { b.add(.integer($0)) }.joined(separator: ", ")
            for r in try await db.query("SELECT account_id, MAX(suffix) FROM cards WHERE account_id IN (\(list)) GROUP BY account_id", b.values) {
                let suffix = try r.optionalInt(1, "cards.suffix").map(Int.init) ?? 0
                next[try r.int(0, "cards.account_id")] = CardNumbers.nextSuffix(inUse: [suffix])
            }
        }
        var cards: [NewCardRow] = []
        var assigned = Set<String>()
        for row in rows {
            guard let h = households[row.phone] else { throw DatabaseError("the household of \(row.phone) vanished") }
            if let supplied = row.number {
                cards.append(NewCardRow(row: row, accountID: h.id, number: supplied, suffix: Self.virtualSuffix(supplied, phone: row.phone), serial: settings.serialNumber()))
                continue
            }
            var suffix = next[h.id] ?? 1
            while file.numbers.contains(CardNumbers.virtual(phone: row.phone, suffix: suffix)) || assigned.contains(CardNumbers.virtual(phone: row.phone, suffix: suffix)) {
                suffix += 1
            }
            next[h.id] = suffix + 1
            let number = CardNumbers.virtual(phone: row.phone, suffix: suffix)
            assigned.insert(number)
            cards.append(NewCardRow(row: row, accountID: h.id, number: number, suffix: suffix, serial: settings.serialNumber()))
        }
        // A virtual number may be taken by another household's supplied number: move past it (rare).
        while true {
            let candidates = cards.filter { $0.row.number == nil }.map(\.number)
            let taken = Set(try await texts("SELECT number FROM cards WHERE number IN", candidates))
            if taken.isEmpty { return cards }
            for i in cards.indices where cards[i].row.number == nil && taken.contains(cards[i].number) {
                var suffix = (next[cards[i].accountID] ?? 1)
                while file.numbers.contains(CardNumbers.virtual(phone: cards[i].row.phone, suffix: suffix))
                    || assigned.contains(CardNumbers.virtual(phone: cards[i].row.phone, suffix: suffix)) { suffix += 1 }
                next[cards[i].accountID] = suffix + 1
                cards[i].number = CardNumbers.virtual(phone: cards[i].row.phone, suffix: suffix)
                cards[i].suffix = suffix
                assigned.insert(cards[i].number)
            }
        }
    }

    /// `k` when `number` is the virtual number `<phone digits>-k` of this phone.
    static func virtualSuffix(_ number: String, phone: PhoneNumber) -> Int? {
        let stem = phone.digits + "-"
        let rest = String(number.dropFirst(stem.count))
        guard number.hasPrefix(stem), let k = Int(rest), k >= 1, String(k) == rest else { return nil }
        return k
    }

    /// The household's tier after the batch: the tier the file names for it when higher (or the
    /// one it was created with), else raised by the turnover as purchases raise it; never lowered.
    func tier(of h: Household, named: String?, turnoverAdded: Bool) -> String {
        let rank = { (code: String) in program.tiers.firstIndex { $0.code == code } ?? -1 }
        var tier = h.tier
        if let named, rank(named) > rank(tier) { tier = named }
        if named == nil, turnoverAdded, let current = program.tier(tier) ?? program.tier(program.defaultTier),
           let money = Money(exactly: h.turnover) {
            let raised = LedgerRules.tier(afterTurnover: money, current: current, program: program).code
            if rank(raised) > rank(tier) { tier = raised }
        }
        return tier
    }

    func insertPassesAndCards(_ cards: [NewCardRow], households: [PhoneNumber: Household], tag: Int64) async throws {
        let values = RegistryStore.json(settings.passValues(Date(timeIntervalSince1970: TimeInterval(now))))
        for chunk in cards.importChunks(ImportStore.chunk / 2) {
            var p = SQLBinds()
            let (type, template, json, at) = (p.add(.text(settings.passTypeIdentifier)), p.add(.text(settings.template)), p.add(values), p.add(.integer(now)))
            let tagBind = p.add(.integer(tag))
            let passRows = chunk.map { card in
                let variant = households[card.row.phone].flatMap { program.tier($0.tier)?.variant }
                return "(\(type), \(p.add(.text(card.serial))), \(template), \(p.add(variant.map(SQLValue.text) ?? .null)), \(json), \(tagBind), \(at), \(at))"
            }.joined(separator: ", ")
            try await db.query("INSERT INTO passes (\(RegistryStore.passColumns)) VALUES \(passRows)", p.values)

            var c = SQLBinds()
            let (cardType, cardAt, source) = (c.add(.text(settings.passTypeIdentifier)), c.add(.integer(now)), c.add(.text(CardSource.import.rawValue)))
            let cardRows = chunk.map { card in
                let fields = [
                    c.add(.text(card.number)), c.add(.integer(card.accountID)), c.add(card.suffix.map { .integer(Int64($0)) } ?? .null),
                    c.add(.text(card.row.name)), c.add(card.row.externalID.map(SQLValue.text) ?? .null), c.add(.text(card.row.status.rawValue)),
                    cardType, c.add(.text(card.serial)), cardAt, source,
                ]
                return "(\(fields.joined(separator: ", ")))"
            }.joined(separator: ", ")
            try await db.query(
                "INSERT INTO cards (number, account_id, suffix, name, external_id, status, pass_type_id, serial_number, created_at, source) VALUES \(cardRows)",
                c.values)
        }
    }

    func insertEntries(_ entries: [(card: NewCardRow, balanceAfter: Int64)]) async throws {
        for chunk in entries.importChunks(ImportStore.chunk / 2) {
            var b = SQLBinds()
            let (kind, at) = (b.add(.text(EntryKind.opening.rawValue)), b.add(.integer(now)))
            let rows = chunk.map { e in
                let key = "import:\(hashPrefix):\(e.card.row.line)"
                let fields = [
                    b.add(.integer(e.card.accountID)), b.add(.text(e.card.number)), kind, b.add(.integer(e.card.row.balance)), "NULL",
                    b.add(.text(key)), "NULL", b.add(.text("opening balance, line \(e.card.row.line) of the imported file")),
                    b.add(.integer(e.balanceAfter)), at,
                ]
                return "(\(fields.joined(separator: ", ")))"
            }.joined(separator: ", ")
            try await db.query(
                """
                INSERT INTO ledger_entries (account_id, card_number, kind, points, amount, business_key, reverses, comment, balance_after, created_at)
                VALUES \(rows)
                """, b.values)
        }
    }

    /// The households' new balance, turnover and tier in one statement per chunk (their rows are locked).
    func updateAccounts(_ households: [Household]) async throws {
        for chunk in households.importChunks(ImportStore.chunk / 4) {
            var b = SQLBinds()
            var balance = "", turnover = "", tier = "", ids: [String] = []
            for h in chunk {
                let id = b.add(.integer(h.id))
                ids.append(id)
                balance += " WHEN \(id) THEN CAST(\(b.add(.integer(h.balance))) AS BIGINT)"
                turnover += " WHEN \(id) THEN CAST(\(b.add(.integer(h.turnover))) AS BIGINT)"
                tier += " WHEN \(id) THEN CAST(\(b.add(.text(h.tier))) AS TEXT)"
            }
            try await db.query(
                """
                UPDATE accounts SET balance = CASE id\(balance) END, turnover = CASE id\(turnover) END, tier = CASE id\(tier) END
                WHERE id IN (\(ids.joined(separator: ", ")))
                """, b.values)
        }
    }

    /// Each new card's Google Wallet object row, due now (the worker inserts it at Google), as issuing a card makes it.
    func insertGoogleObjects(
        _ cards: [NewCardRow], households: [PhoneNumber: Household], ids: @Sendable (String, String?) -> (object: String, class: String)
    ) async throws {
        for chunk in cards.importChunks(ImportStore.chunk / 2) {
            var b = SQLBinds()
            let at = b.add(.integer(now))
            let rows = chunk.map { card in
                let variant = households[card.row.phone].flatMap { program.tier($0.tier)?.variant }
                let (object, klass) = ids(card.number, variant)
                return "(\(b.add(.text(card.number))), \(b.add(.text(object))), \(b.add(.text(klass))), \(at), \(at))"
            }.joined(separator: ", ")
            try await db.query(
                "INSERT INTO google_objects (card_number, object_id, class_id, due_at, created_at) VALUES \(rows) ON CONFLICT (card_number) DO NOTHING",
                b.values)
        }
    }

    /// The first column of `prefix (values…)`, for any number of values (in chunks).
    func texts(_ prefix: String, _ values: [String]) async throws -> [String] {
        var out: [String] = []
        for chunk in values.importChunks(ImportStore.chunk) {
            var b = SQLBinds()
            let list = chunk.map { b.add(.text($0)) }.joined(separator: ", ")
            out += try await db.query("\(prefix) (\(list))", b.values).compactMap { $0.text(0) }
        }
        return out
    }
}

extension Array {
    /// Consecutive slices of at most `size` elements (statements bind a bounded number of values).
    func importChunks(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
