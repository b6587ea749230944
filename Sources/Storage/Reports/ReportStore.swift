import Foundation

/// The reports' queries, all set-based: the flows of a period from hourly rollups and the raw
/// tables' edges (``flows(_:from:to:granule:)``), and what the program looks like now.
public struct ReportStore: Sendable {
    public let database: any Database

    public init(database: any Database) {
        self.database = database
    }

    /// The kinds whose entries a card's holder made happen: a card with one is active.
    static let activeKinds = "('accrual', 'purchase', 'debit')"

    /// The period's flows, all issued cards and households up to its end, and its broadcasts;
    /// the figures of the moment come from `current`.
    public func figures(_ period: ReportPeriod, current: CurrentFigures) async throws -> ReportFigures {
        let (from, to) = (period.fromSeconds, period.toSeconds)
        return try await database.read { db in
            var inPeriod = ReportBucketFigures(start: period.from), total = ReportBucketFigures(start: period.from)
            for row in try await Self.flows(db, from: from, to: to, granule: .whole) {
                inPeriod.add(metric: row.metric, value: row.value)
            }
            // Everything before the period's end, in one granule: what had been issued by then.
            for row in try await Self.flows(db, from: 0, to: to, granule: .whole) where !row.metric.hasPrefix("points:") {
                total.add(metric: row.metric, value: row.value)
            }
            var f = ReportFigures()
            f.cardsIssued = inPeriod.cardsIssued
            f.householdsIssued = inPeriod.householdsIssued
            f.cardsTotal = total.cardsIssued
            f.households = total.householdsIssued
            f.activity = inPeriod.activity
            f.points = inPeriod.points
            f.sources = CardSource.allCases.compactMap { source in
                let all = total.issuedBySource[source] ?? 0
                return all == 0 ? nil : SourceFigures(source: source, issued: inPeriod.issuedBySource[source] ?? 0, total: all)
            }
            f.tiers = current.tiers
            f.liability = current.liability
            f.householdsInstalled = current.householdsInstalled
            f.activeCards = current.activeCards
            f.broadcasts = try await Self.broadcasts(db, [.integer(from), .integer(to)])
            return f
        }
    }

    /// The figures of the moment: tiers, balances, households with a card in a wallet, and the
    /// cards active in the `activeDays` days before `now`.
    public func current(now: Date = Date(), activeDays: Int) async throws -> CurrentFigures {
        // Through the current second: an entry written a moment ago counts.
        let end = ReportPeriod.seconds(now) + 1
        let start = end - Int64(activeDays) * 86_400
        return try await database.read { db in
            let tiers = try await Self.tiers(db)
            return CurrentFigures(
                at: now, tiers: tiers, liability: tiers.reduce(0) { $0 + $1.balance }, householdsInstalled: try await Self.householdsInstalled(db),
                activeDays: activeDays, activeCards: try await Self.activeCards(db, from: start, to: end))
        }
    }

    /// Cards with an accrual, purchase or debit in `[from, to)`.
    public func activeCards(from: Date, to: Date) async throws -> Int64 {
        try await database.read { db in try await Self.activeCards(db, from: ReportPeriod.seconds(from), to: ReportPeriod.seconds(to)) }
    }

    static func activeCards(_ db: any DatabaseConnection, from: Int64, to: Int64) async throws -> Int64 {
        try await db.query(
            """
            SELECT COUNT(DISTINCT card_number) FROM ledger_entries
            WHERE created_at >= $1 AND created_at < $2 AND kind IN \(activeKinds) AND card_number IS NOT NULL
            """, [.integer(from), .integer(to)]
        ).first?.int(0, "count") ?? 0
    }

    /// Households, cards and balances per tier.
    static func tiers(_ db: any DatabaseConnection) async throws -> [TierFigures] {
        var byTier: [String: TierFigures] = [:]
        for r in try await db.query("SELECT tier, COUNT(*), CAST(SUM(balance) AS BIGINT) FROM accounts GROUP BY tier") {
            let tier = try r.text(0, "accounts.tier")
            byTier[tier] = TierFigures(tier: tier, households: try r.int(1, "households"), cards: 0, balance: try r.int(2, "balance"))
        }
        for r in try await db.query("SELECT a.tier, COUNT(*) FROM cards c JOIN accounts a ON a.id = c.account_id GROUP BY a.tier") {
            let tier = try r.text(0, "accounts.tier")
            byTier[tier, default: TierFigures(tier: tier, households: 0, cards: 0, balance: 0)].cards = try r.int(1, "cards")
        }
        return byTier.values.sorted { $0.tier < $1.tier }
    }

    /// Households with at least one card on a device or saved to Google Wallet.
    static func householdsInstalled(_ db: any DatabaseConnection) async throws -> Int64 {
        try await db.query(
            """
            SELECT COUNT(*) FROM (
                SELECT c.account_id FROM registrations r JOIN cards c ON c.pass_type_id = r.pass_type_id AND c.serial_number = r.serial_number
                UNION
                SELECT c.account_id FROM google_objects g JOIN cards c ON c.number = g.card_number WHERE g.saved = 1
            ) installed
            """
        ).first?.int(0, "count") ?? 0
    }

    /// Broadcasts created in the period, newest first, at most 100.
    static func broadcasts(_ db: any DatabaseConnection, _ range: [SQLValue]) async throws -> [BroadcastFigures] {
        try await db.query(
            """
            SELECT b.id, b.created_at, b.state, b.targeted_cards, COALESCE(p.sent, 0), b.fetched
            FROM broadcasts b LEFT JOIN broadcast_push_counts p ON p.broadcast_id = b.id
            WHERE b.created_at >= $1 AND b.created_at < $2 ORDER BY b.id DESC LIMIT 100
            """, range
        ).map { r in
            BroadcastFigures(
                id: try r.int(0, "broadcasts.id"), createdAt: try r.date(1, "broadcasts.created_at"), state: try r.text(2, "broadcasts.state"),
                targeted: try r.int(3, "broadcasts.targeted_cards"), pushed: try r.int(4, "broadcast_push_counts.sent"), fetched: try r.int(5, "broadcasts.fetched"))
        }
    }
}

/// What the program looks like at one moment: slow to count over a million cards (every
/// registration, every account), so the reports read a copy made every few minutes.
public struct CurrentFigures: Sendable, Hashable {
    public var at: Date
    public var tiers: [TierFigures]
    /// The sum of the balances.
    public var liability: Int64
    /// Households with a card on a device or saved to Google Wallet.
    public var householdsInstalled: Int64
    public var activeDays: Int
    /// Cards active in the `activeDays` days before `at`.
    public var activeCards: Int64
}
