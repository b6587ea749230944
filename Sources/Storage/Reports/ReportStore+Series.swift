import Foundation

extension ReportStore {
    /// The period's flows per bucket; `starts` are the buckets' starts, ascending, the first at
    /// the period's start (see ``ReportBuckets``). Grouped by the coarsest granule no boundary
    /// cuts (``ReportGranule``), so the database returns a row per granule and metric, which are
    /// placed into buckets here.
    public func series(_ period: ReportPeriod, starts: [Date]) async throws -> [ReportBucketFigures] {
        let bounds = starts.map(ReportPeriod.seconds)
        guard !bounds.isEmpty else { return [] }
        let granule = ReportGranule.fitting(Array(bounds.dropFirst()))
        @Sendable func index(_ g: Int64) -> Int {
            // The last bucket starting at or before the granule; the first granule may start before the period.
            let start = granule.start(of: g)
            var (lo, hi) = (0, bounds.count - 1)
            while lo < hi {
                let mid = (lo + hi + 1) / 2
                if bounds[mid] <= start { lo = mid } else { hi = mid - 1 }
            }
            return lo
        }
        return try await database.read { db in
            var buckets = starts.map(ReportBucketFigures.init(start:))
            for row in try await Self.flows(db, from: period.fromSeconds, to: period.toSeconds, granule: granule) {
                buckets[index(row.granule)].add(metric: row.metric, value: row.value)
            }
            return buckets
        }
    }
}
