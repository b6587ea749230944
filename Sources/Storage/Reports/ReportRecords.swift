import Foundation

/// A report's period: from `from` (inclusive) to `to` (exclusive), with the time zone its days are in.
///
/// Made only through ``init(from:to:timeZone:)``, which refuses an empty or inverted period, so
/// every query ranges over at least one second.
public struct ReportPeriod: Sendable, Hashable {
    public let from: Date
    public let to: Date
    public let timeZone: TimeZone

    public struct Inverted: Error, Sendable {}

    public init(from: Date, to: Date, timeZone: TimeZone) throws(Inverted) {
        guard Self.seconds(from) < Self.seconds(to) else { throw Inverted() }
        self.from = from
        self.to = to
        self.timeZone = timeZone
    }

    /// Whole epoch seconds, as the tables store instants.
    static func seconds(_ date: Date) -> Int64 { Int64(date.timeIntervalSince1970.rounded(.down)) }
    var fromSeconds: Int64 { Self.seconds(from) }
    var toSeconds: Int64 { Self.seconds(to) }
}

/// Counts per wallet: Apple Wallet and Android apps register through the web service; Google
/// Wallet reports saves and deletions through its callbacks.
public struct WalletCounts: Sendable, Hashable {
    public var apple: Int64 = 0
    public var android: Int64 = 0
    public var google: Int64 = 0
    public init() {}
}

/// How people reached their cards: links opened, passes downloaded, cards added to and removed from wallets.
public struct ActivityCounts: Sendable, Hashable {
    public var linkOpens: Int64 = 0
    public var downloads: Int64 = 0
    public var installs = WalletCounts()
    public var removals = WalletCounts()
    public init() {}

    /// Adds `count` events of the activity log.
    mutating func add(kind: String, platform: String?, count: Int64) {
        let android = platform == WalletClient.android.rawValue
        switch ActivityKind(rawValue: kind) {
        case .linkOpen: linkOpens += count
        case .linkDownload: downloads += count
        case .install: if android { installs.android += count } else { installs.apple += count }
        case .removal: if android { removals.android += count } else { removals.apple += count }
        case nil: break
        }
    }

    /// Adds `count` of Google Wallet's save or delete callbacks.
    mutating func add(googleEvent event: String, count: Int64) {
        switch GoogleEventKind(rawValue: event) {
        case .save: installs.google += count
        case .delete: removals.google += count
        case nil: break
        }
    }
}

/// Points moved, by what moved them. Sums of entry points, so credits are positive; `redeemed`
/// and `reversed` are turned positive for reading (points spent, points taken back).
public struct PointFlows: Sendable, Hashable {
    /// Accrual and purchase entries.
    public var accrued: Int64 = 0
    /// Debits, positive.
    public var redeemed: Int64 = 0
    /// Reversals, as points taken back: negative when reversed debits gave points back.
    public var reversed: Int64 = 0
    public var broadcast: Int64 = 0
    public var welcome: Int64 = 0
    public var opening: Int64 = 0
    /// Operators' corrections, signed.
    public var adjusted: Int64 = 0
    public init() {}

    /// Adds `points` summed over entries of `kind` (as stored).
    mutating func add(kind: String, points: Int64) {
        switch kind {
        case "accrual", "purchase": accrued += points
        case "debit": redeemed -= points
        case "reversal": reversed -= points
        case "broadcast": broadcast += points
        case "welcome": welcome += points
        case "opening": opening += points
        case "adjustment": adjusted += points
        default: break
        }
    }
}

/// Households, cards and balances of one tier, now.
public struct TierFigures: Sendable, Hashable {
    public var tier: String
    public var households: Int64
    public var cards: Int64
    public var balance: Int64
}

/// Cards from one source: issued in the period, and all of them at its end.
public struct SourceFigures: Sendable, Hashable {
    public var source: CardSource
    public var issued: Int64
    public var total: Int64
}

/// A broadcast created in the period and how far it reached.
public struct BroadcastFigures: Sendable, Hashable {
    public var id: Int64
    public var createdAt: Date
    public var state: String
    public var targeted: Int64
    /// Pushes APNs accepted for it.
    public var pushed: Int64
    /// Devices that fetched its pass back.
    public var fetched: Int64
}

/// The figures of a period that the database holds; the service adds what it computes (rates,
/// currency, the CRM's contacts).
public struct ReportFigures: Sendable, Hashable {
    public var cardsIssued: Int64 = 0
    public var householdsIssued: Int64 = 0
    public var cardsTotal: Int64 = 0
    public var households: Int64 = 0
    /// Link opens, downloads, installs and removals in the period.
    public var activity = ActivityCounts()
    /// Cards with an accrual, purchase or debit in the active window.
    public var activeCards: Int64 = 0
    public var points = PointFlows()
    /// The sum of the balances, now.
    public var liability: Int64 = 0
    /// Households with a card in a wallet now: registered on a device, or saved to Google Wallet.
    public var householdsInstalled: Int64 = 0
    public var tiers: [TierFigures] = []
    public var sources: [SourceFigures] = []
    public var broadcasts: [BroadcastFigures] = []
    public init() {}
}

/// One bucket of a time series: what happened from `start` until the next bucket's start.
public struct ReportBucketFigures: Sendable, Hashable {
    public var start: Date
    public var cardsIssued: Int64 = 0
    /// Cards issued, per source.
    public var issuedBySource: [CardSource: Int64] = [:]
    public var householdsIssued: Int64 = 0
    public var activity = ActivityCounts()
    public var points = PointFlows()
    public init(start: Date) { self.start = start }

    /// Adds a flow row (``ReportStore/rawFlows(from:to:granule:)`` names the metrics).
    mutating func add(metric: String, value: Int64) {
        let parts = metric.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        switch parts.first {
        case "card":
            cardsIssued += value
            if parts.count > 1, let source = CardSource(rawValue: parts[1]) { issuedBySource[source, default: 0] += value }
        case "household": householdsIssued += value
        case "activity" where parts.count == 3: activity.add(kind: parts[1], platform: parts[2].isEmpty ? nil : parts[2], count: value)
        case "google" where parts.count == 2: activity.add(googleEvent: parts[1], count: value)
        case "points" where parts.count == 2: points.add(kind: parts[1], points: value)
        default: break
        }
    }
}
