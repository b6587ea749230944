import Foundation
import Loyalty
import Testing
import TestSupport

@testable import Storage

/// Report buckets (pure) and the series' placing of events into them, on both databases.
@Suite struct ReportStoreTests {
    static func zone(_ id: String) -> TimeZone { TimeZone(identifier: id)! }
    static func utc(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }

    @Test func monthsFollowTheCalendarInTheZone() throws {
        let period = try ReportPeriod(from: Self.utc("2026-01-14T21:00:00Z"), to: Self.utc("2026-04-30T21:00:00Z"), timeZone: Self.zone("Europe/Moscow"))
        let starts = try ReportBuckets.starts(period, interval: .month)
        // Mid-January (Moscow's 15th), then the first of February, March and April at Moscow's midnight.
        #expect(starts == ["2026-01-14T21:00:00Z", "2026-01-31T21:00:00Z", "2026-02-28T21:00:00Z", "2026-03-31T21:00:00Z"].map(Self.utc))
    }

    @Test func daysAcrossDaylightSavingAreCalendarDays() throws {
        // Berlin moves its clocks on 2026-03-29: that day has 23 hours.
        let period = try ReportPeriod(from: Self.utc("2026-03-27T23:00:00Z"), to: Self.utc("2026-03-30T22:00:00Z"), timeZone: Self.zone("Europe/Berlin"))
        let starts = try ReportBuckets.starts(period, interval: .day)
        #expect(starts == ["2026-03-27T23:00:00Z", "2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z"].map(Self.utc))
        // Its days start at 23:00 UTC, then 22:00: only hours fit them all.
        #expect(ReportGranule.fitting(starts.dropFirst().map { Int64($0.timeIntervalSince1970) }) == ReportGranule(seconds: 3600, shift: 0))
    }

    @Test func weeksStartOnMondayAndTooManyBucketsAreRefused() throws {
        let period = try ReportPeriod(from: Self.utc("2026-01-01T00:00:00Z"), to: Self.utc("2026-01-20T00:00:00Z"), timeZone: Self.zone("UTC"))
        #expect(try ReportBuckets.starts(period, interval: .week) == ["2026-01-01T00:00:00Z", "2026-01-05T00:00:00Z", "2026-01-12T00:00:00Z", "2026-01-19T00:00:00Z"].map(Self.utc))
        let long = try ReportPeriod(from: Self.utc("2020-01-01T00:00:00Z"), to: Self.utc("2023-01-01T00:00:00Z"), timeZone: Self.zone("UTC"))
        #expect(throws: ReportBuckets.TooMany.self) { try ReportBuckets.starts(long, interval: .day) }
        #expect(try ReportBuckets.starts(long, interval: .week).count == 157, "a partial week, then 156 Mondays")
    }

    @Test func anEmptyOrInvertedPeriodCannotBeMade() {
        let t = Self.utc("2026-01-01T00:00:00Z")
        #expect(throws: ReportPeriod.Inverted.self) { try ReportPeriod(from: t, to: t, timeZone: Self.zone("UTC")) }
        #expect(throws: ReportPeriod.Inverted.self) { try ReportPeriod(from: t, to: t.addingTimeInterval(-1), timeZone: Self.zone("UTC")) }
        #expect(throws: ReportPeriod.Inverted.self) { try ReportPeriod(from: t, to: t.addingTimeInterval(0.5), timeZone: Self.zone("UTC")) }
    }

    /// India is 5:30 ahead of UTC: its midnight is not on an hour, so the series groups by its
    /// own days (read from the tables, not the hourly rollups), and an event at 18:45 UTC belongs
    /// to the next Indian day. Rolled up or not, every figure is the same.
    @Test(arguments: Engine.allCases)
    func aHalfHourZonesEventsLandInTheirLocalDay(_ engine: Engine) async throws {
        try await LedgerStoreTests.withLedger(engine) { ledger, _ in
            let db = ledger.database
            let kolkata = Self.zone("Asia/Kolkata")
            let period = try ReportPeriod(from: Self.utc("2026-05-31T18:30:00Z"), to: Self.utc("2026-06-03T18:30:00Z"), timeZone: kolkata)
            let starts = try ReportBuckets.starts(period, interval: .day)
            #expect(starts.count == 3)
            #expect(ReportGranule.fitting(starts.dropFirst().map { Int64($0.timeIntervalSince1970) }) == ReportGranule(seconds: 86_400, shift: 19_800))
            let at = { @Sendable (t: String) in Int64(Self.utc(t).timeIntervalSince1970) }
            try await db.transaction { c in
                for (t, kind, platform) in [
                    ("2026-06-01T18:29:59Z", ActivityKind.install, WalletClient.apple),  // June 1st, 23:59:59 in India
                    ("2026-06-01T18:30:00Z", .install, .android),  // June 2nd, 00:00
                    ("2026-06-01T18:45:00Z", .removal, .apple),
                    ("2026-05-31T18:29:59Z", .install, .apple),  // before the period
                    ("2026-06-03T18:30:00Z", .install, .apple),  // its end is exclusive
                ] {
                    try await ActivityLog.record(c, kind, platform: platform, at: at(t))
                }
                try await ActivityLog.record(c, .linkOpen, at: at("2026-06-03T18:29:59Z"))
            }
            let series = try await ReportStore(database: db).series(period, starts: starts)
            #expect(series.map(\.activity.installs.apple) == [1, 0, 0])
            #expect(series.map(\.activity.installs.android) == [0, 1, 0])
            #expect(series.map(\.activity.removals.apple) == [0, 1, 0])
            #expect(series.map(\.activity.linkOpens) == [0, 0, 1])

            let store = ReportStore(database: db)
            let now = CurrentFigures(at: Date(), tiers: [], liability: 0, householdsInstalled: 0, activeDays: 90, activeCards: 0)
            let figures = try await store.figures(period, current: now)
            #expect(figures.activity.installs.apple == 1 && figures.activity.installs.android == 1 && figures.activity.removals.apple == 1)
            #expect(figures.activity.linkOpens == 1)

            // UTC days, which the hourly rollups serve: the same before and after rolling up.
            let utcPeriod = try ReportPeriod(from: Self.utc("2026-05-31T00:00:00Z"), to: Self.utc("2026-06-05T00:00:00Z"), timeZone: Self.zone("UTC"))
            let utcStarts = try ReportBuckets.starts(utcPeriod, interval: .day)
            let raw = try await store.series(utcPeriod, starts: utcStarts)
            #expect(raw.map(\.activity.installs.apple) == [1, 1, 0, 1, 0], "the events before and after the Indian period count in UTC days")
            #expect(try await store.rollUp(now: Self.utc("2026-06-10T00:00:00Z")) == Int64(Self.utc("2026-06-09T23:00:00Z").timeIntervalSince1970) / 3600)
            let rolled = try await db.read { try await $0.query("SELECT COUNT(*) FROM report_hours") }.first?.int(0, "count") ?? 0
            #expect(rolled > 0)
            #expect(try await store.series(utcPeriod, starts: utcStarts) == raw)
            #expect(try await store.series(period, starts: starts) == series)
            #expect(try await store.figures(period, current: now) == figures)
            let utcFigures = try await store.figures(utcPeriod, current: now)
            #expect(utcFigures.activity.installs.apple == 3 && utcFigures.activity.linkOpens == 1)
            // A period cut mid-hour reads the hour's edge from the tables.
            let cut = try ReportPeriod(from: Self.utc("2026-06-01T18:30:00Z"), to: Self.utc("2026-06-01T18:46:00Z"), timeZone: Self.zone("UTC"))
            let edge = try await store.figures(cut, current: now)
            #expect(edge.activity.installs.android == 1 && edge.activity.removals.apple == 1 && edge.activity.installs.apple == 0)
        }
    }
}
