import Foundation
import Storage

/// Reports in the OpenAPI document's shapes.
enum ReportJSON {
    typealias S = Components.Schemas

    static func summary(_ r: ReportSummary) -> S.ReportSummary {
        let f = r.figures
        return S.ReportSummary(
            activeCards: .init(count: Int(f.activeCards), days: r.activeDays),
            broadcasts: f.broadcasts.map {
                .init(createdAt: $0.createdAt, fetched: Int($0.fetched), id: Int($0.id), pushed: Int($0.pushed), state: $0.state, targeted: Int($0.targeted))
            },
            cards: .init(households: Int(f.households), householdsIssued: Int(f.householdsIssued), issued: Int(f.cardsIssued), total: Int(f.cardsTotal)),
            installs: wallets(f.activity.installs),
            liability: .init(amount: r.liabilityAmount, currency: r.currency, points: Int(f.liability)),
            links: .init(downloads: Int(f.activity.downloads), opens: Int(f.activity.linkOpens)),
            penetration: .init(
                crmContacts: r.crmContacts.map(Int.init), crmRate: r.crmPenetration, householdsInstalled: Int(f.householdsInstalled),
                householdsWithCard: Int(f.households), rate: r.penetration),
            period: period(r.period),
            points: points(f.points),
            redemptionRate: r.redemptionRate,
            removals: wallets(f.activity.removals),
            sources: f.sources.compactMap { s in
                S.ReportSummary.SourcesPayloadPayload.SourcePayload(rawValue: s.source.rawValue).map {
                    .init(issued: Int(s.issued), source: $0, total: Int(s.total))
                }
            },
            tiers: f.tiers.map { .init(balance: Int($0.balance), cards: Int($0.cards), households: Int($0.households), tier: $0.tier) })
    }

    static func timeseries(_ t: ReportTimeseries) -> S.ReportTimeseries {
        S.ReportTimeseries(
            buckets: t.buckets.map {
                .init(
                    cardsIssued: Int($0.cardsIssued), downloads: Int($0.activity.downloads), householdsIssued: Int($0.householdsIssued),
                    installs: wallets($0.activity.installs), linkOpens: Int($0.activity.linkOpens), points: points($0.points),
                    removals: wallets($0.activity.removals), start: $0.start)
            },
            interval: .init(rawValue: t.interval.rawValue) ?? .day, period: period(t.period))
    }

    static func period(_ p: ReportPeriod) -> S.ReportPeriod {
        .init(from: p.from, timeZone: p.timeZone.identifier, to: p.to)
    }

    static func wallets(_ w: WalletCounts) -> S.ReportWallets {
        .init(android: Int(w.android), apple: Int(w.apple), google: Int(w.google))
    }

    static func points(_ p: PointFlows) -> S.ReportPoints {
        .init(
            accrued: Int(p.accrued), adjusted: Int(p.adjusted), broadcast: Int(p.broadcast), opening: Int(p.opening),
            redeemed: Int(p.redeemed), reversed: Int(p.reversed), welcome: Int(p.welcome))
    }
}
