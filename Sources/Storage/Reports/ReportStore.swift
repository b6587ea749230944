import Foundation

/// The reports' queries: each figure is one set-based query over an indexed time range (or, for
/// what a report shows "now", one pass over a table), none walks rows one at a time in Swift.
public struct ReportStore: Sendable {
    public let database: any Database

    public init(database: any Database) {
        self.database = database
    }

    /// The kinds whose entries a card's holder made happen: a card with one is active.
    static let activeKinds = "('accrual', 'purchase', 'debit')"

    /// Everything the database knows about `period`; `activeSince` starts the active-cards window.
    public func figures(_ period: ReportPeriod, activeSince: Date) async throws -> ReportFigures {
        let range: [SQLValue] = [.integer(period.fromSeconds), .integer(period.toSeconds)]
        return try await database.read { db in
            var f = ReportFigures()
            let sources = try await db.query(
                """
                SELECT source, CAST(SUM(CASE WHEN created_at >= $1 THEN 1 ELSE 0 END) AS BIGINT), COUNT(*)
                FROM cards WHERE created_at < $2 GROUP BY source ORDER BY source
                """, range)
            f.sources = try sources.compactMap { r in
                guard let source = CardSource(rawValue: try r.text(0, "cards.source")) else { return nil }
                return SourceFigures(source: source, issued: try r.int(1, "issued"), total: try r.int(2, "total"))
            }
            f.cardsIssued = f.sources.reduce(0) { $0 + $1.issued }
            f.cardsTotal = f.sources.reduce(0) { $0 + $1.total }
            if let r = try await db.query(
                "SELECT CAST(COALESCE(SUM(CASE WHEN created_at >= $1 THEN 1 ELSE 0 END), 0) AS BIGINT), COUNT(*) FROM accounts WHERE created_at < $2", range
            ).first {
                f.householdsIssued = try r.int(0, "issued")
                f.households = try r.int(1, "households")
            }
            for r in try await db.query(
                "SELECT kind, platform, COUNT(*) FROM activity_events WHERE at >= $1 AND at < $2 GROUP BY kind, platform", range
            ) {
                f.activity.add(kind: try r.text(0, "kind"), platform: try r.optionalText(1, "platform"), count: try r.int(2, "count"))
            }
            for r in try await db.query(
                "SELECT event, COUNT(*) FROM google_events WHERE received_at >= $1 AND received_at < $2 GROUP BY event", range
            ) {
                f.activity.add(googleEvent: try r.text(0, "event"), count: try r.int(1, "count"))
            }
            for r in try await db.query(
                "SELECT kind, CAST(SUM(points) AS BIGINT) FROM ledger_entries WHERE created_at >= $1 AND created_at < $2 GROUP BY kind", range
            ) {
                f.points.add(kind: try r.text(0, "kind"), points: try r.int(1, "points"))
            }
            f.activeCards = try await db.query(
                """
                SELECT COUNT(DISTINCT card_number) FROM ledger_entries
                WHERE created_at >= $1 AND created_at < $2 AND kind IN \(Self.activeKinds) AND card_number IS NOT NULL
                """, [.integer(max(ReportPeriod.seconds(activeSince), period.fromSeconds)), .integer(period.toSeconds)]
            ).first?.int(0, "count") ?? 0
            f.tiers = try await Self.tiers(db, range)
            f.liability = f.tiers.reduce(0) { $0 + $1.balance }
            f.householdsInstalled = try await Self.householdsInstalled(db)
            f.broadcasts = try await Self.broadcasts(db, range)
            return f
        }
    }

    /// Households and balances per tier now, and each tier's cards: all, and issued in the period.
    static func tiers(_ db: any DatabaseConnection, _ range: [SQLValue]) async throws -> [TierFigures] {
        let households = try await db.query("SELECT tier, COUNT(*), CAST(SUM(balance) AS BIGINT) FROM accounts GROUP BY tier ORDER BY tier")
        var byTier: [String: TierFigures] = [:]
        for r in households {
            let tier = try r.text(0, "accounts.tier")
            byTier[tier] = TierFigures(tier: tier, households: try r.int(1, "households"), cards: 0, balance: try r.int(2, "balance"), issued: 0)
        }
        let cards = try await db.query(
            """
            SELECT a.tier, COUNT(*), CAST(SUM(CASE WHEN c.created_at >= $1 AND c.created_at < $2 THEN 1 ELSE 0 END) AS BIGINT)
            FROM cards c JOIN accounts a ON a.id = c.account_id GROUP BY a.tier
            """, range)
        for r in cards {
            let tier = try r.text(0, "accounts.tier")
            byTier[tier, default: TierFigures(tier: tier, households: 0, cards: 0, balance: 0, issued: 0)].cards = try r.int(1, "cards")
            byTier[tier]?.issued = try r.int(2, "issued")
        }
        return byTier.values.sorted { $0.tier < $1.tier }
    }

    /// Households with at least one card on a device or saved to Google Wallet, now.
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
