import Foundation
import HTTPTypes
import Hummingbird
import Testing

@testable import Server

/// The dashboard's pure parts: the SVG bar chart, the period, the origin check.
@Suite struct AdminUnitTests {
    static let chart = BarChart(
        title: "Cards <issued>", labels: ["01.12", "02.12", "03.12", "04.12"],
        series: [
            .init(name: "cards", color: "#007aff", values: [0, 5, 10, 2]),
            .init(name: "households & co", color: "#ff9500", values: [0, 3, 1, 1]),
        ])

    /// The `height` of every `<rect>`, in document order.
    static func heights(_ svg: String) -> [Double] {
        svg.components(separatedBy: "<rect ").dropFirst().compactMap { part in
            guard let r = part.range(of: #"height="[0-9.]+""#, options: .regularExpression) else { return nil }
            return Double(part[r].dropFirst(8).dropLast())
        }
    }

    @Test func chartDrawsOneBarPerValueScaledToTheAxis() {
        let svg = Self.chart.svg()
        #expect(svg.hasPrefix("<svg class=\"chart\"") && svg.hasSuffix("</svg>"))
        #expect(Self.chart.axisMaximum == 10)
        let heights = Self.heights(svg)
        #expect(heights.count == 8)
        let plot = Double(BarChart.height - BarChart.margin.top - BarChart.margin.bottom)
        #expect(heights[2] == plot, "the largest value fills the plot")
        #expect(heights[1] == plot / 2)
        #expect(heights[0] == 0)
        #expect(abs(heights[5] - plot * 0.3) < 0.1)
        #expect(svg.contains(">10<") && svg.contains(">5<"), "axis labels: the maximum and its half")
        let odd = BarChart(title: "t", labels: ["a"], series: [.init(name: "a", color: "#000", values: [3])]).svg()
        #expect(odd.contains(">5<") && odd.contains(">2.5<") && !odd.contains(">2<"), "half of 5 is 2.5")
    }

    @Test func chartEscapesEveryText() {
        let svg = Self.chart.svg()
        #expect(svg.contains("Cards &lt;issued&gt;") && !svg.contains("<issued>"))
        #expect(svg.contains("households &amp; co"))
        let hostile = BarChart(title: "\"><script>", labels: ["<a>"], series: [.init(name: "'x'", color: "red", values: [1])]).svg()
        #expect(!hostile.contains("<script>") && !hostile.contains("<a>") && hostile.contains("&#39;x&#39;"))
    }

    @Test func chartOfNothingIsEmptyNotBroken() {
        let empty = BarChart(title: "t", labels: [], series: [.init(name: "a", color: "#000", values: [])])
        #expect(empty.axisMaximum == 1)
        #expect(Self.heights(empty.svg()).isEmpty)
        let zeros = BarChart(title: "t", labels: ["a", "b"], series: [.init(name: "a", color: "#000", values: [0, -3])])
        #expect(Self.heights(zeros.svg()) == [0, 0], "a negative value draws no bar")
    }

    @Test func axisMaximaAreReadable() {
        #expect(BarChart.niceCeiling(1) == 1)
        #expect(BarChart.niceCeiling(3) == 5)
        #expect(BarChart.niceCeiling(11) == 20)
        #expect(BarChart.niceCeiling(1_000_001) == 2_000_000)
        #expect(BarChart.niceCeiling(Int64.max) == Int64.max)
        #expect(BarChart.short(950) == "950" && BarChart.short(12_000) == "12k" && BarChart.short(3_400_000) == "3.4M")
    }

    static let moscow = TimeZone(identifier: "Europe/Moscow")!
    static let now = ISO8601DateFormatter().date(from: "2026-12-04T21:30:00Z")!  // 00:30 on the 5th in Moscow

    @Test func defaultPeriodIsTheThirtyDaysEndingTodayInItsTimeZone() throws {
        let p = try AdminPeriod.parse(from: nil, to: nil, timeZone: Self.moscow, now: Self.now).get()
        #expect(p.firstDay == "2026-11-06" && p.lastDay == "2026-12-05")
        #expect(p.days == 30)
        #expect(p.interval == .day)
        #expect(p.end == ISO8601DateFormatter().date(from: "2026-12-05T21:00:00Z"))
        let utc = try AdminPeriod.parse(from: nil, to: nil, timeZone: .gmt, now: Self.now).get()
        #expect(utc.lastDay == "2026-12-04")
    }

    @Test func periodsAreRefusedWhenMalformedInvertedOrTooLong() {
        func refusal(_ from: String?, _ to: String?) -> AdminPeriod.Refusal? {
            if case .failure(let r) = AdminPeriod.parse(from: from, to: to, timeZone: Self.moscow, now: Self.now) { return r }
            return nil
        }
        #expect(refusal("2026-02-30", nil) == .badDate)
        #expect(refusal("2026-2-3", nil) == .badDate)
        #expect(refusal("２０２６-01-01", nil) == .badDate)
        #expect(refusal(nil, "2026-12-32") == .badDate)
        #expect(refusal("2026-12-02", "2026-12-01") == .inverted)
        #expect(refusal("2020-01-01", "2026-01-01") == .tooLong)
        #expect(refusal("2026-12-01", "2026-12-01") == nil, "one day is a period")
        #expect(refusal("2024-01-01", "2025-12-31") == nil)
    }

    @Test func longerPeriodsUseWeeksThenMonths() throws {
        #expect(try AdminPeriod.parse(from: "2026-01-01", to: "2026-03-03", timeZone: .gmt, now: Self.now).get().interval == .day)
        #expect(try AdminPeriod.parse(from: "2026-01-01", to: "2026-06-30", timeZone: .gmt, now: Self.now).get().interval == .week)
        #expect(try AdminPeriod.parse(from: "2025-01-01", to: "2026-06-30", timeZone: .gmt, now: Self.now).get().interval == .month)
    }

    @Test func timeZonesAreIANANamesOnly() {
        #expect(AdminPeriod.timeZone(nil, fallback: .gmt) == .gmt)
        #expect(AdminPeriod.timeZone("Europe/Moscow", fallback: .gmt)?.identifier == "Europe/Moscow")
        #expect(AdminPeriod.timeZone("Mars/Olympus", fallback: .gmt) == nil)
        #expect(AdminPeriod.timeZone("<b>", fallback: .gmt) == nil)
    }

    static func request(_ headers: HTTPFields, authority: String = "127.0.0.1:8080") -> Request {
        let head = HTTPRequest(method: .post, scheme: "http", authority: authority, path: "/admin/sign-out", headerFields: headers)
        return Request(head: head, body: .init(buffer: .init()))
    }

    @Test func formsFromOtherSitesAreRecognised() {
        let ours = "https://passes.example.com"
        #expect(AdminForms.isSameOrigin(Self.request([:]), publicURL: ours), "no headers: the CSRF token decides")
        #expect(AdminForms.isSameOrigin(Self.request([.origin: "https://passes.example.com"]), publicURL: ours))
        #expect(AdminForms.isSameOrigin(Self.request([.origin: "http://127.0.0.1:8080"]), publicURL: ours), "the host it was asked for")
        #expect(!AdminForms.isSameOrigin(Self.request([.origin: "http://passes.example.com"]), publicURL: ours), "another scheme")
        #expect(!AdminForms.isSameOrigin(Self.request([.origin: "https://evil.example"]), publicURL: ours))
        #expect(!AdminForms.isSameOrigin(Self.request([.origin: "null"]), publicURL: ours))
        // Our own pages (Referrer-Policy: no-referrer) post with Origin: null and Sec-Fetch-Site: same-origin.
        #expect(AdminForms.isSameOrigin(Self.request([.origin: "null", HTTPField.Name("Sec-Fetch-Site")!: "same-origin"]), publicURL: ours))
        #expect(!AdminForms.isSameOrigin(Self.request([.origin: "null", HTTPField.Name("Sec-Fetch-Site")!: "cross-site"]), publicURL: ours))
        #expect(!AdminForms.isSameOrigin(Self.request([HTTPField.Name("Sec-Fetch-Site")!: "same-site"]), publicURL: ours))
        #expect(AdminForms.isSameOrigin(Self.request([HTTPField.Name("Sec-Fetch-Site")!: "same-origin"]), publicURL: ours))
    }

    @Test func sessionIdsAndComparisons() {
        #expect(AdminSessions.isWellFormed(String(repeating: "A", count: 43)))
        #expect(!AdminSessions.isWellFormed(String(repeating: "A", count: 42)))
        #expect(!AdminSessions.isWellFormed(String(repeating: "=", count: 43)))
        #expect(AdminSessions.equal("abc", "abc") && !AdminSessions.equal("abc", "abd") && !AdminSessions.equal("abc", "abcd"))
    }
}
