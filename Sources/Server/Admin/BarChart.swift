import Core
import Foundation

/// A bar chart drawn as SVG on the server: one group of bars per bucket (a day, week or
/// month), one bar per series. Pure — values in, markup out — so it is tested apart and the
/// page needs no JavaScript. Every text in it is escaped.
struct BarChart: Sendable, Hashable {
    /// One row of values, drawn in one colour.
    struct Series: Sendable, Hashable {
        var name: String
        /// A CSS colour of our own (never user text).
        var color: String
        var values: [Int64]
    }

    /// Shown as the chart's accessible title and heading.
    var title: String
    /// The buckets' labels, as many as each series has values.
    var labels: [String]
    var series: [Series]

    static let width = 640
    static let height = 220
    static let margin = (top: 12, right: 8, bottom: 28, left: 52)

    /// The highest value drawn, rounded up to a readable axis maximum (1, 2 or 5 × 10ⁿ); 1 when
    /// every value is zero or negative, so an empty period draws an empty chart.
    var axisMaximum: Int64 {
        let top = series.flatMap(\.values).max() ?? 0
        return Self.niceCeiling(max(1, top))
    }

    /// The smallest 1, 2 or 5 × 10ⁿ at or above `value` (≥ 1).
    static func niceCeiling(_ value: Int64) -> Int64 {
        var step: Int64 = 1
        while true {
            for m: Int64 in [1, 2, 5] {
                let (candidate, overflow) = step.multipliedReportingOverflow(by: m)
                if overflow || candidate >= value { return overflow ? Int64.max : candidate }
            }
            let (next, overflow) = step.multipliedReportingOverflow(by: 10)
            if overflow { return Int64.max }
            step = next
        }
    }

    /// The chart's `<svg>` element.
    func svg() -> String {
        let m = Self.margin
        let plotWidth = Double(Self.width - m.left - m.right)
        let plotHeight = Double(Self.height - m.top - m.bottom)
        let top = Double(axisMaximum)
        let buckets = max(1, labels.count)
        let slot = plotWidth / Double(buckets)
        let barWidth = max(1, (slot * 0.8) / Double(max(1, series.count)))
        var out = """
            <svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(Self.width) \(Self.height)" \
            role="img" aria-label="\(HTMLText.escape(title))"><title>\(HTMLText.escape(title))</title>
            """
        // Axis: a baseline and the maximum, with a faint grid line at the top and middle.
        let baseline = Double(m.top) + plotHeight
        out += "<g class=\"axis\" font-size=\"11\" fill=\"#555\">"
        out += "<line x1=\"\(m.left)\" y1=\"\(f(baseline))\" x2=\"\(Self.width - m.right)\" y2=\"\(f(baseline))\" stroke=\"#999\"/>"
        for fraction in [1.0, 0.5] {
            let y = Double(m.top) + plotHeight * (1 - fraction)
            out += "<line x1=\"\(m.left)\" y1=\"\(f(y))\" x2=\"\(Self.width - m.right)\" y2=\"\(f(y))\" stroke=\"#e5e5ea\"/>"
            // Half of an odd maximum (1, 5, 50…) is no whole number: it reads 0.5, 2.5, 25.
            let label = fraction == 1 || axisMaximum % 2 == 0 ? Self.short(fraction == 1 ? axisMaximum : axisMaximum / 2) : Self.short(halfOf: axisMaximum)
            out += "<text x=\"\(m.left - 6)\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(label)</text>"
        }
        out += "<text x=\"\(m.left - 6)\" y=\"\(f(baseline + 4))\" text-anchor=\"end\">0</text>"
        // Labels under the first, middle and last bucket: enough to read the dates without crowding.
        let labelled = Set([0, labels.count / 2, labels.count - 1].filter { $0 >= 0 })
        for i in labelled.sorted() where i < labels.count {
            let x = Double(m.left) + slot * (Double(i) + 0.5)
            out += "<text x=\"\(f(x))\" y=\"\(Self.height - 8)\" text-anchor=\"middle\">\(HTMLText.escape(labels[i]))</text>"
        }
        out += "</g>"
        for (s, row) in series.enumerated() {
            out += "<g class=\"series\" fill=\"\(HTMLText.escape(row.color))\">"
            for (i, value) in row.values.enumerated() where i < buckets {
                let shown = Double(max(0, value))
                let h = plotHeight * min(1, shown / top)
                let x = Double(m.left) + slot * Double(i) + slot * 0.1 + barWidth * Double(s)
                let label = i < labels.count ? labels[i] : ""
                out += "<rect x=\"\(f(x))\" y=\"\(f(baseline - h))\" width=\"\(f(barWidth))\" height=\"\(f(h))\">"
                out += "<title>\(HTMLText.escape(label)) · \(HTMLText.escape(row.name)): \(value)</title></rect>"
            }
            out += "</g>"
        }
        return out + "</svg>"
    }

    /// A value in at most about four characters: 950, 12k, 3.4M.
    static func short(_ value: Int64) -> String {
        let v = Double(value)
        switch abs(v) {
        case ..<10_000: return String(value)
        case ..<1_000_000: return trim(v / 1_000) + "k"
        case ..<1_000_000_000: return trim(v / 1_000_000) + "M"
        default: return trim(v / 1_000_000_000) + "G"
        }
    }

    /// Half of an odd value, as ``short(_:)`` writes values.
    static func short(halfOf value: Int64) -> String {
        value < 10_000 ? String(format: "%.1f", Double(value) / 2) : short(value / 2)
    }

    static func trim(_ v: Double) -> String {
        v >= 100 || v.rounded() == v ? String(Int64(v.rounded())) : String(format: "%.1f", v)
    }

    /// A coordinate with one decimal: enough for a 640-unit view box, and stable text for tests.
    private func f(_ v: Double) -> String { String(format: "%.1f", v) }
}
