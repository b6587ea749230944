import Foundation

extension ReportStore {
    /// The period's figures per bucket; `starts` are the buckets' starts, ascending, the first at
    /// the period's start (see ``ReportBuckets``).
    ///
    /// Each query groups its range by a granule (an hour, or less where a time zone's midnight
    /// is not on the hour) that no bucket boundary cuts, so the database returns at most one row
    /// per granule and kind, and the granules are placed into buckets here.
    public func series(_ period: ReportPeriod, starts: [Date]) async throws -> [ReportBucketFigures] {
        let bounds = starts.map(ReportPeriod.seconds)
        let granule = Self.granule(for: bounds.dropFirst())
        guard !starts.isEmpty else { return [] }
        @Sendable func index(_ g: Int64) -> Int {
            // The last bucket starting at or before the granule; the first granule may start before the period.
            var (lo, hi) = (0, bounds.count - 1)
            while lo < hi {
                let mid = (lo + hi + 1) / 2
                if bounds[mid] <= g * granule { lo = mid } else { hi = mid - 1 }
            }
            return lo
        }
        let range: [SQLValue] = [.integer(period.fromSeconds), .integer(period.toSeconds)]
        return try await database.read { db in
            var buckets = starts.map(ReportBucketFigures.init(start:))
            for r in try await db.query("SELECT created_at / \(granule), COUNT(*) FROM cards WHERE created_at >= $1 AND created_at < $2 GROUP BY 1", range) {
                buckets[index(try r.int(0, "granule"))].cardsIssued += try r.int(1, "count")
            }
            for r in try await db.query("SELECT created_at / \(granule), COUNT(*) FROM accounts WHERE created_at >= $1 AND created_at < $2 GROUP BY 1", range) {
                buckets[index(try r.int(0, "granule"))].householdsIssued += try r.int(1, "count")
            }
            for r in try await db.query(
                "SELECT at / \(granule), kind, platform, COUNT(*) FROM activity_events WHERE at >= $1 AND at < $2 GROUP BY 1, kind, platform", range
            ) {
                buckets[index(try r.int(0, "granule"))].activity.add(kind: try r.text(1, "kind"), platform: try r.optionalText(2, "platform"), count: try r.int(3, "count"))
            }
            for r in try await db.query(
                "SELECT received_at / \(granule), event, COUNT(*) FROM google_events WHERE received_at >= $1 AND received_at < $2 GROUP BY 1, event", range
            ) {
                buckets[index(try r.int(0, "granule"))].activity.add(googleEvent: try r.text(1, "event"), count: try r.int(2, "count"))
            }
            for r in try await db.query(
                "SELECT created_at / \(granule), kind, CAST(SUM(points) AS BIGINT) FROM ledger_entries WHERE created_at >= $1 AND created_at < $2 GROUP BY 1, kind", range
            ) {
                buckets[index(try r.int(0, "granule"))].points.add(kind: try r.text(1, "kind"), points: try r.int(2, "points"))
            }
            return buckets
        }
    }

    /// The largest of an hour, a quarter hour, a minute or a second that divides every boundary.
    static func granule(for boundaries: some Sequence<Int64>) -> Int64 {
        for g: Int64 in [3600, 900, 60] where boundaries.allSatisfy({ $0 % g == 0 }) { return g }
        return 1
    }
}
