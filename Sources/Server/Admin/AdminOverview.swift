import Foundation
import Storage

/// The overview's figures and charts from the reports (``ReportService``): the summary as a grid
/// of figures, the time series as bar charts. Pure, so the page's contents are tested apart.
enum AdminOverview {
    /// Colours of the series (constants: never user text).
    static let colors = (primary: "#007aff", secondary: "#ff9500", tertiary: "#34c759")

    /// The values the `adminOverview` template reads.
    static func values(summary: ReportSummary, series: ReportTimeseries, strings t: [String: String]) -> [String: Any] {
        ["figures": figures(summary, t), "charts": charts(series, t).map(chartValues), "tiers": tiers(summary), "sources": sources(summary, t)]
    }

    static func figures(_ s: ReportSummary, _ t: [String: String]) -> [[String: String]] {
        let f = s.figures
        func figure(_ key: String, _ value: String, _ sub: String? = nil) -> [String: String] {
            var d = ["label": t["fig." + key] ?? key, "value": value]
            if let sub { d["sub"] = sub }
            return d
        }
        func wallets(_ w: WalletCounts) -> String { "Apple \(w.apple) · Android \(w.android) · Google \(w.google)" }
        var out = [
            figure("issued", String(f.cardsIssued)),
            figure("householdsIssued", String(f.householdsIssued)),
            figure("total", String(f.cardsTotal)),
            figure("households", String(f.households)),
            figure("opens", String(f.activity.linkOpens)),
            figure("downloads", String(f.activity.downloads)),
            figure("installs", String(f.activity.installs.apple + f.activity.installs.android + f.activity.installs.google), wallets(f.activity.installs)),
            figure("removals", String(f.activity.removals.apple + f.activity.removals.android + f.activity.removals.google), wallets(f.activity.removals)),
            figure("active", String(f.activeCards), (t["fig.activeDays"] ?? "%d").replacingOccurrences(of: "%d", with: String(s.activeDays))),
            figure("accrued", String(f.points.accrued)),
            figure("redeemed", String(f.points.redeemed)),
            figure("reversed", String(f.points.reversed)),
            figure("broadcast", String(f.points.broadcast)),
            figure("welcome", String(f.points.welcome)),
            figure("redemption", percent(s.redemptionRate)),
            figure("liability", String(f.liability), "\(s.liabilityAmount) \(s.currency)"),
            figure("penetration", percent(s.penetration), "\(f.householdsInstalled) / \(f.households) " + (t["fig.penetrationSub"] ?? "")),
        ]
        if f.points.opening != 0 { out.append(figure("opening", String(f.points.opening))) }
        if f.points.adjusted != 0 { out.append(figure("adjusted", String(f.points.adjusted))) }
        if let contacts = s.crmContacts {
            out.append(figure("penetration", percent(s.crmPenetration), "\(f.householdsInstalled) / \(contacts) " + (t["fig.crm"] ?? "")))
        }
        return out
    }

    /// A ratio as a percentage with one decimal; "—" without a denominator.
    static func percent(_ ratio: Double?) -> String {
        guard let ratio, ratio.isFinite else { return "—" }
        return String(format: "%.1f %%", ratio * 100)
    }

    static func charts(_ series: ReportTimeseries, _ t: [String: String]) -> [BarChart] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = series.period.timeZone
        let labels = series.buckets.map { label($0.start, series.interval, calendar) }
        let b = series.buckets
        func s(_ key: String, _ color: String, _ values: [Int64]) -> BarChart.Series {
            BarChart.Series(name: t["series." + key] ?? key, color: color, values: values)
        }
        return [
            BarChart(title: t["chart.issued"] ?? "", labels: labels, series: [
                s("cards", colors.primary, b.map(\.cardsIssued)), s("households", colors.secondary, b.map(\.householdsIssued)),
            ]),
            BarChart(title: t["chart.installs"] ?? "", labels: labels, series: [
                s("apple", colors.primary, b.map(\.activity.installs.apple)), s("android", colors.tertiary, b.map(\.activity.installs.android)),
                s("google", colors.secondary, b.map(\.activity.installs.google)),
            ]),
            BarChart(title: t["chart.points"] ?? "", labels: labels, series: [
                s("accrued", colors.tertiary, b.map(\.points.accrued)), s("redeemed", colors.secondary, b.map(\.points.redeemed)),
            ]),
            BarChart(title: t["chart.links"] ?? "", labels: labels, series: [
                s("opens", colors.primary, b.map(\.activity.linkOpens)), s("downloads", colors.tertiary, b.map(\.activity.downloads)),
            ]),
        ]
    }

    static func chartValues(_ chart: BarChart) -> [String: Any] {
        ["title": chart.title, "svg": chart.svg(), "legend": chart.series.map { ["name": $0.name, "color": $0.color] }]
    }

    /// A bucket's label: `dd.MM` for days and weeks, `MM.yyyy` for months.
    static func label(_ start: Date, _ interval: ReportInterval, _ calendar: Calendar) -> String {
        let c = calendar.dateComponents([.year, .month, .day], from: start)
        switch interval {
        case .day, .week: return String(format: "%02d.%02d", c.day ?? 0, c.month ?? 0)
        case .month: return String(format: "%02d.%04d", c.month ?? 0, c.year ?? 0)
        }
    }

    static func tiers(_ s: ReportSummary) -> [[String: String]] {
        s.figures.tiers.map {
            ["tier": $0.tier, "households": String($0.households), "cards": String($0.cards), "balance": String($0.balance)]
        }
    }

    static func sources(_ s: ReportSummary, _ t: [String: String]) -> [[String: String]] {
        s.figures.sources.map {
            ["source": t["source." + $0.source.rawValue] ?? $0.source.rawValue, "issued": String($0.issued), "total": String($0.total)]
        }
    }
}
