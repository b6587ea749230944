import Foundation
import Storage

/// Fills a database with synthetic cards, households and device registrations, set-based (a few
/// statements per 50,000 cards), for tests and the broadcast benchmark (`passline dev seed`).
///
/// The shape, for `cards` N, `cardsPerHousehold` c and `devicesPerCard` r:
/// * H = ⌈N / c⌉ households (accounts) with phones `+79` + 9 digits, balance 0 and no ledger
///   entries (so balance = Σ entries holds), tiers cycling 70 % / 20 % / 10 % over `tiers`;
/// * card k (1…N) belongs to household `(k−1) mod H + 1`, number `<phone digits>-<n>`, serial
///   `SEED` + 12 digits, one pass each (template `template`, values `promo` and `memberSince`);
/// * D = round(N × r) devices with distinct 64-hex push tokens; device d registers card
///   `(d−1) mod N + 1`, so with r = 1.2 one card in five is on two devices.
///
/// Meant for an empty database: refuses to run twice on one.
struct DatabaseSeed: Sendable {
    var cards: Int
    var cardsPerHousehold: Double = 1.25
    var devicesPerCard: Double = 1.2
    var passTypeIdentifier: String
    var template: String
    /// Tier codes to spread households over (the first is the most common).
    var tiers: [String]
    /// Cards per transaction.
    var batch = 50_000

    init(cards: Int, passTypeIdentifier: String, template: String, tiers: [String]) {
        self.cards = cards
        self.passTypeIdentifier = passTypeIdentifier
        self.template = template
        self.tiers = tiers
    }

    var households: Int { max(1, Int((Double(cards) / cardsPerHousehold).rounded(.up))) }
    var devices: Int { Int((Double(cards) * devicesPerCard).rounded()) }

    /// What was written.
    struct Summary: Sendable, Hashable {
        var households: Int
        var cards: Int
        var devices: Int
    }

    struct AlreadySeeded: Error, CustomStringConvertible {
        var description: String { "this database was seeded already (it has SEED… cards); seed an empty database" }
    }

    /// Writes everything; `progress` is told the cards written so far after each batch.
    func run(on database: any Database, now: Date = Date(), progress: @Sendable (Int) -> Void = { _ in }) async throws -> Summary {
        precondition(cards > 0 && !tiers.isEmpty && cardsPerHousehold >= 1 && devicesPerCard >= 0)
        let seeded = try await database.read { db in
            try await db.query("SELECT 1 FROM cards WHERE serial_number LIKE 'SEED%' LIMIT 1")
        }
        guard seeded.isEmpty else { throw AlreadySeeded() }
        let seconds = Int64(now.timeIntervalSince1970)
        let base = try await database.read { db in try await db.query("SELECT COALESCE(MAX(id), 0) FROM accounts").first?.int(0) ?? 0 }
        let h = Int64(households)
        let n = Int64(cards)
        for lo in stride(from: Int64(1), through: h, by: batch) {
            let hi = min(h, lo + Int64(batch) - 1)
            try await database.transaction { db in try await insertHouseholds(db, lo: lo, hi: hi, base: base, now: seconds) }
        }
        for lo in stride(from: Int64(1), through: n, by: batch) {
            let hi = min(n, lo + Int64(batch) - 1)
            try await database.transaction { db in try await insertCards(db, lo: lo, hi: hi, households: h, base: base, now: seconds) }
            progress(Int(hi))
        }
        let d = Int64(devices)
        for lo in stride(from: Int64(1), through: max(d, 1), by: batch) where d > 0 {
            let hi = min(d, lo + Int64(batch) - 1)
            try await database.transaction { db in try await insertDevices(db, lo: lo, hi: hi, cards: n, now: seconds) }
        }
        if database.dialect == .postgres {
            // Explicit ids don't advance the sequence: move it past them.
            _ = try await database.transaction { db in
                try await db.query("SELECT setval(pg_get_serial_sequence('accounts', 'id'), (SELECT MAX(id) FROM accounts))")
            }
        }
        return Summary(households: households, cards: cards, devices: devices)
    }

    /// `n` from `$lo` to `$hi`, as a FROM item aliased `s(n)`.
    func series(_ db: any DatabaseConnection, lo: String, hi: String) -> String {
        db.dialect == .postgres
            ? "generate_series(\(lo)::bigint, \(hi)::bigint) AS s(n)"
            : "(WITH RECURSIVE q(n) AS (SELECT \(lo) UNION ALL SELECT n + 1 FROM q WHERE n < \(hi)) SELECT n FROM q) AS s"
    }

    func digits(_ db: any DatabaseConnection, _ expr: String, width: Int) -> String {
        db.dialect == .postgres ? "lpad((\(expr))::text, \(width), '0')" : "printf('%0\(width)d', \(expr))"
    }

    func insertHouseholds(_ db: any DatabaseConnection, lo: Int64, hi: Int64, base: Int64, now: Int64) async throws {
        // 70 % the first tier, 20 % the second, 10 % the third (as far as there are tiers).
        let t = tiers + Array(repeating: tiers[0], count: max(0, 3 - tiers.count))
        try await db.query(
            """
            INSERT INTO accounts (id, phone, balance, turnover, tier, created_at)
            SELECT $3 + s.n, '+79' || \(digits(db, "$3 + s.n", width: 9)), 0, 0,
                CASE WHEN s.n % 10 < 7 THEN $4 WHEN s.n % 10 < 9 THEN $5 ELSE $6 END, $7
            FROM \(series(db, lo: "$1", hi: "$2")) WHERE 1 = 1
            """, [.integer(lo), .integer(hi), .integer(base), .text(t[0]), .text(t[1]), .text(t[2]), .integer(now)])
    }

    func insertCards(_ db: any DatabaseConnection, lo: Int64, hi: Int64, households: Int64, base: Int64, now: Int64) async throws {
        let serial = "'SEED' || \(digits(db, "s.n", width: 12))"
        let memberSince = "2026-09-01T10:00:00+03:00"
        let tag = try await RegistryStore.nextTag(db)
        try await db.query(
            """
            INSERT INTO passes (pass_type_id, serial_number, template, variant, values_json, update_tag, modified_at, created_at)
            SELECT $3, \(serial), $4, CAST(NULL AS TEXT), $5, $6, $7, $7 FROM \(series(db, lo: "$1", hi: "$2")) WHERE 1 = 1
            """,
            [.integer(lo), .integer(hi), .text(passTypeIdentifier), .text(template),
             .text("{\"memberSince\":\"\(memberSince)\",\"promo\":\"\"}"), .integer(tag), .integer(now)])
        let household = "$4 + (s.n - 1) % $5 + 1"
        try await db.query(
            """
            INSERT INTO cards (number, account_id, suffix, name, external_id, status, pass_type_id, serial_number, created_at)
            SELECT '79' || \(digits(db, household, width: 9)) || '-' || ((s.n - 1) / $5 + 1), \(household), (s.n - 1) / $5 + 1,
                'Member ' || s.n, CAST(NULL AS TEXT), 'active', $3, \(serial), $6
            FROM \(series(db, lo: "$1", hi: "$2")) WHERE 1 = 1
            """,
            [.integer(lo), .integer(hi), .text(passTypeIdentifier), .integer(base), .integer(households), .integer(now)])
    }

    func insertDevices(_ db: any DatabaseConnection, lo: Int64, hi: Int64, cards: Int64, now: Int64) async throws {
        let token = db.dialect == .postgres ? "lpad(to_hex(s.n), 64, '0')" : "printf('%064x', s.n)"
        try await db.query(
            """
            INSERT INTO devices (device_library_id, push_token, client, created_at, updated_at)
            SELECT 'seed-' || \(digits(db, "s.n", width: 12)), \(token), 'apple', $3, $3 FROM \(series(db, lo: "$1", hi: "$2")) WHERE 1 = 1
            """, [.integer(lo), .integer(hi), .integer(now)])
        try await db.query(
            """
            INSERT INTO registrations (device_library_id, pass_type_id, serial_number, created_at)
            SELECT 'seed-' || \(digits(db, "s.n", width: 12)), $3, 'SEED' || \(digits(db, "(s.n - 1) % $4 + 1", width: 12)), $5
            FROM \(series(db, lo: "$1", hi: "$2")) WHERE 1 = 1
            """, [.integer(lo), .integer(hi), .text(passTypeIdentifier), .integer(cards), .integer(now)])
    }
}
