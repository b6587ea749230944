import Core
import Foundation
import Storage

/// Reports as CSV: the summary as `metric,value` lines, a time series as a line per bucket.
enum ReportCSV {
    static func summary(_ r: ReportSummary) -> String {
        let f = r.figures
        var rows: [(String, String)] = [
            ("period.from", stamp(r.period.from)), ("period.to", stamp(r.period.to)), ("period.time_zone", r.period.timeZone.identifier),
            ("cards.issued", "\(f.cardsIssued)"), ("cards.households_issued", "\(f.householdsIssued)"),
            ("cards.total", "\(f.cardsTotal)"), ("cards.households", "\(f.households)"),
            ("links.opens", "\(f.activity.linkOpens)"), ("links.downloads", "\(f.activity.downloads)"),
        ]
        rows += wallets("installs", f.activity.installs) + wallets("removals", f.activity.removals)
        rows += [("active_cards.count", "\(f.activeCards)"), ("active_cards.days", "\(r.activeDays)")]
        rows += points("points", f.points)
        rows += [
            ("redemption_rate", rate(r.redemptionRate)),
            ("liability.points", "\(f.liability)"), ("liability.amount", r.liabilityAmount), ("liability.currency", r.currency),
            ("penetration.households_with_card", "\(f.households)"), ("penetration.households_installed", "\(f.householdsInstalled)"),
            ("penetration.rate", rate(r.penetration)), ("penetration.crm_contacts", r.crmContacts.map { "\($0)" } ?? ""),
            ("penetration.crm_rate", rate(r.crmPenetration)),
        ]
        for t in f.tiers {
            rows += [("tier.\(t.tier).households", "\(t.households)"), ("tier.\(t.tier).cards", "\(t.cards)"),
                     ("tier.\(t.tier).balance", "\(t.balance)")]
        }
        for s in f.sources {
            rows += [("source.\(s.source.rawValue).issued", "\(s.issued)"), ("source.\(s.source.rawValue).total", "\(s.total)")]
        }
        for b in f.broadcasts {
            rows += [("broadcast.\(b.id).targeted", "\(b.targeted)"), ("broadcast.\(b.id).pushed", "\(b.pushed)"), ("broadcast.\(b.id).fetched", "\(b.fetched)")]
        }
        return CSVText.line(["metric", "value"]) + rows.map { CSVText.line([$0.0, $0.1]) }.joined()
    }

    static func timeseries(_ t: ReportTimeseries) -> String {
        var header = ["start", "cards_issued", "households_issued", "link_opens", "downloads"]
        header += ["apple", "android", "google"].map { "installs_\($0)" } + ["apple", "android", "google"].map { "removals_\($0)" }
        header += points("points", PointFlows()).map(\.0).map { $0.replacingOccurrences(of: ".", with: "_") }
        var out = CSVText.line(header)
        for b in t.buckets {
            var line = [stamp(b.start), "\(b.cardsIssued)", "\(b.householdsIssued)", "\(b.activity.linkOpens)", "\(b.activity.downloads)"]
            line += (wallets("", b.activity.installs) + wallets("", b.activity.removals)).map(\.1)
            line += points("", b.points).map(\.1)
            out += CSVText.line(line)
        }
        return out
    }

    static func wallets(_ prefix: String, _ w: WalletCounts) -> [(String, String)] {
        [("\(prefix).apple", "\(w.apple)"), ("\(prefix).android", "\(w.android)"), ("\(prefix).google", "\(w.google)")]
    }

    static func points(_ prefix: String, _ p: PointFlows) -> [(String, String)] {
        [("\(prefix).accrued", "\(p.accrued)"), ("\(prefix).redeemed", "\(p.redeemed)"), ("\(prefix).reversed", "\(p.reversed)"),
         ("\(prefix).broadcast", "\(p.broadcast)"), ("\(prefix).welcome", "\(p.welcome)"), ("\(prefix).opening", "\(p.opening)"),
         ("\(prefix).adjusted", "\(p.adjusted)")]
    }

    static func rate(_ r: Double?) -> String { r.map { String(format: "%.4f", $0) } ?? "" }

    static func stamp(_ date: Date) -> String { date.formatted(.iso8601) }
}
