import Foundation

/// How a range is grouped: by `seconds`-long granules offset by `shift` (granule *i* starts at
/// `i × seconds − shift`), chosen so that no bucket boundary cuts a granule.
struct ReportGranule: Sendable, Hashable {
    let seconds: Int64
    let shift: Int64

    /// The coarsest of a day, an hour, a quarter hour or a minute (with its offset) on which every
    /// boundary falls: a day shifted by three hours for Moscow's days, weeks and months; an hour
    /// where the clocks change; a quarter hour for India's half-hour offset.
    static func fitting(_ boundaries: [Int64]) -> ReportGranule {
        guard let first = boundaries.first else { return ReportGranule(seconds: 86_400, shift: 0) }
        for g: Int64 in [86_400, 3_600, 900, 60] {
            let shift = (g - first % g) % g
            if boundaries.allSatisfy({ ($0 + shift) % g == 0 }) { return ReportGranule(seconds: g, shift: shift) }
        }
        return ReportGranule(seconds: 1, shift: 0)
    }

    /// The whole range as one granule (index 0).
    static let whole = ReportGranule(seconds: 0, shift: 0)

    func start(of index: Int64) -> Int64 { index * seconds - shift }

    /// Whether whole rolled-up hours group into these granules.
    var takesHours: Bool { seconds == 0 || (seconds % 3_600 == 0 && shift % 3_600 == 0) }

    /// The SQL of the granule an instant in `column` (seconds) falls in.
    func sql(_ column: String) -> String {
        // A column times zero rather than a constant: both engines group by it as an output column.
        seconds == 0 ? "(\(column) * 0)" : "((\(column) + \(shift)) / \(seconds))"
    }
}

/// One row of flows: the granule, the metric (`card:api`, `household`, `activity:install:apple`,
/// `google:save`, `points:debit`) and its count or sum.
struct FlowRow: Sendable {
    let granule: Int64
    let metric: String
    let value: Int64
}

extension ReportStore {
    /// How long after an hour ends it is rolled up: a transaction stamped in its last seconds
    /// has committed by then.
    static let rollupLag: Int64 = 300
    /// Hours rolled up per transaction, so a first rollup of a year of history never holds the
    /// (SQLite) writer for long.
    static let rollupChunk: Int64 = 24 * 7

    /// The flows of `[from, to)` from the tables themselves, grouped by `granule`: the one
    /// definition of every flow metric, which the rollup stores per hour.
    static func rawFlows(from: Int64, to: Int64, granule g: ReportGranule) -> (sql: String, binds: [SQLValue]) {
        let sql = """
            SELECT \(g.sql("created_at")), 'card:' || source, COUNT(*) FROM cards WHERE created_at >= $1 AND created_at < $2 GROUP BY 1, 2
            UNION ALL
            SELECT \(g.sql("created_at")), 'household', COUNT(*) FROM accounts WHERE created_at >= $1 AND created_at < $2 GROUP BY 1
            UNION ALL
            SELECT \(g.sql("at")), 'activity:' || kind || ':' || COALESCE(platform, ''), COUNT(*)
            FROM activity_events WHERE at >= $1 AND at < $2 GROUP BY 1, 2
            UNION ALL
            SELECT \(g.sql("received_at")), 'google:' || event, COUNT(*) FROM google_events WHERE received_at >= $1 AND received_at < $2 GROUP BY 1, 2
            UNION ALL
            SELECT \(g.sql("created_at")), 'points:' || kind, CAST(SUM(points) AS BIGINT)
            FROM ledger_entries WHERE created_at >= $1 AND created_at < $2 GROUP BY 1, 2
            """
        return (sql, [.integer(from), .integer(to)])
    }

    /// The flows of `[from, to)` per granule: whole hours already rolled up are read from
    /// `report_hours`, the rest (the edges, the hours since the last rollup) from the tables.
    static func flows(_ db: any DatabaseConnection, from: Int64, to: Int64, granule: ReportGranule) async throws -> [FlowRow] {
        var rows: [FlowRow] = []
        func raw(_ a: Int64, _ b: Int64) async throws {
            guard a < b else { return }
            let (sql, binds) = rawFlows(from: a, to: b, granule: granule)
            rows += try await db.query(sql, binds).map { FlowRow(granule: try $0.int(0, "granule"), metric: try $0.text(1, "metric"), value: try $0.int(2, "value")) }
        }
        let through = try await db.query("SELECT through_hour FROM report_rollup WHERE id = 1").first?.int(0, "report_rollup.through_hour") ?? 0
        let (firstHour, endHour) = ((from + 3_599) / 3_600, min(to / 3_600, through))
        guard granule.takesHours, firstHour < endHour else {
            try await raw(from, to)
            return rows
        }
        rows += try await db.query(
            """
            SELECT \(granule.sql("hour * 3600")), metric, CAST(SUM(value) AS BIGINT) FROM report_hours
            WHERE hour >= $1 AND hour < $2 GROUP BY 1, metric
            """, [.integer(firstHour), .integer(endHour)]
        ).map { FlowRow(granule: try $0.int(0, "granule"), metric: try $0.text(1, "report_hours.metric"), value: try $0.int(2, "value")) }
        try await raw(from, firstHour * 3_600)
        try await raw(endHour * 3_600, to)
        return rows
    }

    /// Rolls up the hours that ended at least ``rollupLag`` before `now`, a week of hours per
    /// transaction; returns the first hour not rolled up. The one writer of `report_hours`.
    @discardableResult
    public func rollUp(now: Date = Date()) async throws -> Int64 {
        let target = (Int64(now.timeIntervalSince1970) - Self.rollupLag) / 3_600
        while true {
            let through = try await database.transaction { db -> Int64 in
                let lock = db.dialect == .postgres ? " FOR UPDATE" : ""
                let current = try await db.query("SELECT through_hour FROM report_rollup WHERE id = 1\(lock)").first?.int(0, "report_rollup.through_hour") ?? 0
                guard current < target else { return current }
                // The first rollup starts at the oldest row rather than at 1970.
                var start = current
                if start == 0 {
                    let oldest = try await db.query(
                        "SELECT MIN(m) FROM (SELECT MIN(created_at) AS m FROM accounts UNION ALL SELECT MIN(at) FROM activity_events UNION ALL SELECT MIN(received_at) FROM google_events) o"
                    ).first?.optionalInt(0, "oldest")
                    start = oldest.map { min($0 / 3_600, target) } ?? target
                }
                let end = min(start + Self.rollupChunk, target)
                guard start < end else {
                    try await db.query("UPDATE report_rollup SET through_hour = $1 WHERE id = 1", [.integer(target)])
                    return target
                }
                let (sql, binds) = Self.rawFlows(from: start * 3_600, to: end * 3_600, granule: ReportGranule(seconds: 3_600, shift: 0))
                try await db.query("INSERT INTO report_hours (hour, metric, value) \(sql)", binds)
                try await db.query("UPDATE report_rollup SET through_hour = $1 WHERE id = 1", [.integer(end)])
                return end
            }
            if through >= target { return through }
        }
    }

    /// Forgets every rollup: the next ``rollUp(now:)`` sums the hours again from the tables (after
    /// rows were changed by hand, or in tests that move rows into the past).
    public func rebuildRollups() async throws {
        try await database.transaction { db in
            try await db.query("DELETE FROM report_hours")
            try await db.query("UPDATE report_rollup SET through_hour = 0 WHERE id = 1")
        }
    }
}
