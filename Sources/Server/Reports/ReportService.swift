import Foundation
import Loyalty
import Storage

/// The program's figures over a period, for the reports API and the dashboard: what the database
/// counts (``ReportStore``) with the rates, the liability's worth and the CRM's contacts added.
public final class ReportService: Sendable {
    let store: ReportStore
    let loyalty: LoyaltyService
    let crmContacts: CRMContactCount?
    /// The figures of the moment, counted again once older than `currentMaxAge` seconds.
    let snapshot = CurrentSnapshot()
    let currentMaxAge: TimeInterval

    init(database: any Database, loyalty: LoyaltyService, crmContacts: CRMContactCount?, currentMaxAge: TimeInterval = 300) {
        self.store = ReportStore(database: database)
        self.loyalty = loyalty
        self.crmContacts = crmContacts
        self.currentMaxAge = currentMaxAge
    }

    /// Below this many households a report counts the figures of the moment itself (a few
    /// milliseconds): the copy only serves programs where counting them is slow, so a small
    /// program's figures are always exact. (Households, not the time a count took: a loaded
    /// machine would make that a coin toss.)
    static let worthKeeping: Int64 = 50_000

    /// The figures of the moment for `activeDays`: the copy when it is recent enough and the
    /// program large, else counted now.
    func current(activeDays: Int, now: Date = Date()) async throws -> CurrentFigures {
        if let copy = await snapshot.value, copy.activeDays == activeDays, copy.tiers.reduce(0, { $0 + $1.households }) >= Self.worthKeeping,
           now.timeIntervalSince(copy.at) < currentMaxAge {
            return copy
        }
        let fresh = try await store.current(now: now, activeDays: activeDays)
        if activeDays == Self.activeDays.default { await snapshot.set(fresh) }
        return fresh
    }

    /// Counts the figures of the moment again (the worker, every few minutes).
    func refreshCurrent(now: Date = Date()) async throws {
        await snapshot.set(try await store.current(now: now, activeDays: Self.activeDays.default))
    }

    /// The default and the bounds of the active-cards window, in days.
    public static let activeDays = (default: 90, range: 1...366)

    public func summary(_ period: ReportPeriod, activeDays: Int = ReportService.activeDays.default) async throws -> ReportSummary {
        var current = try await current(activeDays: activeDays)
        // A period that ended before the figures were counted has its own active window.
        if period.to < current.at {
            current.activeCards = try await store.activeCards(from: period.to.addingTimeInterval(-Double(activeDays) * 86_400), to: period.to)
        }
        let figures = try await store.figures(period, current: current)
        let program = loyalty.program
        let contacts = await crmContacts?.count()
        return ReportSummary(
            period: period, figures: figures, activeDays: activeDays,
            redemptionRate: Self.ratio(figures.points.redeemed, figures.points.accrued),
            liabilityAmount: Self.decimal(minorUnits: figures.liability.multipliedReportingOverflow(by: program.pointValue.minorUnits)),
            currency: program.currency,
            penetration: Self.ratio(figures.householdsInstalled, figures.households),
            crmContacts: contacts, crmPenetration: contacts.flatMap { Self.ratio(figures.householdsInstalled, $0) })
    }

    public func timeseries(_ period: ReportPeriod, interval: ReportInterval) async throws -> ReportTimeseries {
        let starts = try ReportBuckets.starts(period, interval: interval)
        return ReportTimeseries(period: period, interval: interval, buckets: try await store.series(period, starts: starts))
    }

    /// `part ÷ whole`, nil when there is no whole.
    static func ratio(_ part: Int64, _ whole: Int64) -> Double? {
        whole > 0 ? Double(part) / Double(whole) : nil
    }

    /// Minor units as a signed decimal with two places; an overflowed product is shown as such.
    static func decimal(minorUnits product: (partialValue: Int64, overflow: Bool)) -> String {
        guard !product.overflow else { return "overflow" }
        let v = product.partialValue
        let magnitude = v.magnitude
        let cents = magnitude % 100
        return "\(v < 0 ? "-" : "")\(magnitude / 100).\(cents < 10 ? "0" : "")\(cents)"
    }
}

/// A summary report: the figures of ``ReportStore`` and what the service computes from them.
public struct ReportSummary: Sendable {
    public var period: ReportPeriod
    public var figures: ReportFigures
    public var activeDays: Int
    /// Redeemed ÷ accrued over the period.
    public var redemptionRate: Double?
    /// The balances' worth at the program's point value.
    public var liabilityAmount: String
    public var currency: String
    /// Households with an installed card ÷ households with a card.
    public var penetration: Double?
    /// Contacts in the connected CRM; nil without one (or when it did not answer).
    public var crmContacts: Int64?
    /// Households with an installed card ÷ the CRM's contacts.
    public var crmPenetration: Double?
}

/// A time series report.
public struct ReportTimeseries: Sendable {
    public var period: ReportPeriod
    public var interval: ReportInterval
    public var buckets: [ReportBucketFigures]
}

/// The last count of the figures of the moment.
actor CurrentSnapshot {
    private(set) var value: CurrentFigures?
    func set(_ figures: CurrentFigures) { value = figures }
}
