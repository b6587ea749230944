import Foundation
import HTTPTypes
import PassBuilder
import Storage
import Testing
import TestSupport

@testable import Server

/// `/api/v1/reports` over a live server on both databases: every figure is driven through the
/// paths that make it (the API, links, the web service), then read back.
@Suite struct ReportAPITests {
    /// Today and tomorrow as dates in `zone`: a period that holds everything the test just did.
    static func today(in zone: String) -> (from: String, to: String) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: zone)!
        let start = calendar.startOfDay(for: Date())
        let f = { (d: Date) in
            let c = calendar.dateComponents([.year, .month, .day], from: d)
            return String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
        }
        return (f(start.addingTimeInterval(-86_400)), f(calendar.date(byAdding: .day, value: 1, to: start)!))
    }

    @Test(arguments: Engine.allCases)
    func summaryCountsWhatHappened(_ engine: Engine) async throws {
        try await DistributionServer.run(engine) { d in
            let api = d.api
            let anna = try await api.issueNumber("Anna", phone: "+79120000001")
            _ = try await api.issueNumber("Boris", phone: "+79120000001")
            let vera = try await api.issueNumber("Vera", phone: "+79120000002")
            let accrual = try await api.apply(anna, #"{"type":"accrual","points":50}"#)
            try await api.apply(anna, #"{"type":"debit","points":20}"#)
            try await api.apply(vera, #"{"type":"accrual","points":10}"#)
            #expect(accrual["balance"] == .integer(150))
            let veraEntry = try await api.apply(vera, #"{"type":"accrual","points":7}"#)
            let veraEntryID = try #require(veraEntry["entry"]?["id"]?.int64, "\(veraEntry)")
            try await api.apply(vera, #"{"type":"reversal","entryId":\#(veraEntryID)}"#)

            // Vera's card goes onto an iPhone, Anna's onto one and off again.
            let veraSerial = try #require(try await api.card(vera)["serialNumber"]?.stringValue)
            let annaSerial = try #require(try await api.card(anna)["serialNumber"]?.stringValue)
            let register = { (device: String, serial: String) in
                let r = try await d.request(
                    .post, "/v1/devices/\(device)/registrations/\(d.s.passType)/\(serial)", headers: d.s.appleAuth(serial),
                    body: #"{"pushToken":"\#(String(repeating: "ab", count: 32))"}"#)
                #expect(r.status == .created, "\(r.text)")
            }
            try await register("dev-vera", veraSerial)
            try await register("dev-anna", annaSerial)
            let removed = try await d.request(.delete, "/v1/devices/dev-anna/registrations/\(d.s.passType)/\(annaSerial)", headers: d.s.appleAuth(annaSerial))
            #expect(removed.status == .ok)

            // A link opened twice on a desktop and downloaded once by an iPhone.
            let token = try #require(try await api.post("/cards/\(vera)/link", "").json?["token"]?.stringValue)
            for _ in 0..<2 { _ = try await d.request(.get, "/p/\(token)", headers: [.userAgent: desktopUserAgent]) }
            #expect(try await d.request(.get, "/p/\(token)", headers: [.userAgent: iPhoneUserAgent]).status == .ok)

            let (from, to) = Self.today(in: "Europe/Moscow")
            let r = try await api.get("/reports/summary?from=\(from)&to=\(to)&tz=Europe/Moscow&activeDays=7")
            #expect(r.status == .ok, "\(r.text)")
            let j = try #require(r.json)
            #expect(j["cards"] == .object(["issued": .integer(3), "householdsIssued": .integer(2), "total": .integer(3), "households": .integer(2)]))
            #expect(j["links"] == .object(["opens": .integer(2), "downloads": .integer(1)]))
            #expect(j["installs"] == .object(["apple": .integer(2), "android": .integer(0), "google": .integer(0)]))
            #expect(j["removals"] == .object(["apple": .integer(1), "android": .integer(0), "google": .integer(0)]))
            #expect(j["points"]?["accrued"] == .integer(67))
            #expect(j["points"]?["redeemed"] == .integer(20))
            #expect(j["points"]?["reversed"] == .integer(7))
            #expect(j["points"]?["welcome"] == .integer(200))
            #expect(j["redemptionRate"]?.double.map { abs($0 - 20.0 / 67.0) < 1e-9 } == true, "\(j["redemptionRate"] ?? .null)")
            // Anna's household: 100 + 50 − 20; Vera's: 100 + 10 + 7 − 7.
            #expect(j["liability"] == .object(["points": .integer(240), "amount": .string("240.00"), "currency": .string("RUB")]))
            #expect(j["activeCards"] == .object(["count": .integer(2), "days": .integer(7)]))
            #expect(j["penetration"]?["householdsWithCard"] == .integer(2))
            #expect(j["penetration"]?["householdsInstalled"] == .integer(1), "Anna's card was removed again")
            #expect(j["penetration"]?["rate"]?.double == 0.5)
            #expect(j["penetration"]?["crmContacts"] == .null, "no CRM is connected")
            #expect(j["sources"] == .array([.object(["source": .string("api"), "issued": .integer(3), "total": .integer(3)])]))
            #expect(j["tiers"] == .array([.object(["tier": .string("base"), "households": .integer(2), "cards": .integer(3), "balance": .integer(240)])]))
            #expect(j["period"]?["timeZone"] == .string("Europe/Moscow"))

            // An earlier period saw none of it, and had no cards yet.
            let past = try #require(try await api.get("/reports/summary?from=2020-01-01&to=2020-02-01").json)
            #expect(past["cards"] == .object(["issued": .integer(0), "householdsIssued": .integer(0), "total": .integer(0), "households": .integer(0)]))
            #expect(past["points"]?["accrued"] == .integer(0))
            #expect(past["redemptionRate"] == .null)

            // CSV: one metric a line.
            let csv = try await api.call(.get, "/reports/summary?from=\(from)&to=\(to)", headers: [.accept: "text/csv"])
            #expect(csv.status == .ok)
            #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            let lines = csv.text.components(separatedBy: "\r\n")
            #expect(lines.first == "metric,value")
            #expect(lines.contains("cards.issued,3"))
            #expect(lines.contains("links.opens,2"))
            #expect(lines.contains("liability.amount,240.00"))
            #expect(lines.contains("tier.base.households,2"))
        }
    }

    @Test(arguments: Engine.allCases)
    func timeseriesPutsEachEventInItsLocalDay(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let api = LoyaltyAPI(s, client)
            let anna = try await api.issueNumber("Anna", phone: "+79120000001")
            try await api.apply(anna, #"{"type":"accrual","points":30}"#)
            // Events of earlier days, written where the API would (a card issued and an accrual 3 days ago, Moscow time).
            let threeDaysAgo = Int64(Date().timeIntervalSince1970) - 3 * 86_400
            try await s.server.database.transaction { db in
                try await db.query("UPDATE accounts SET created_at = $1", [.integer(threeDaysAgo)])
                try await db.query("UPDATE cards SET created_at = $1", [.integer(threeDaysAgo)])
                try await db.query("UPDATE ledger_entries SET created_at = $1 WHERE kind = 'welcome'", [.integer(threeDaysAgo)])
            }
            // Rows moved into hours the worker may have rolled up already.
            try await ReportStore(database: s.server.database).rebuildRollups()
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "Europe/Moscow")!
            let today = calendar.startOfDay(for: Date())
            let day = { (d: Date) -> String in
                let c = calendar.dateComponents([.year, .month, .day], from: d)
                return String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
            }
            let from = calendar.date(byAdding: .day, value: -5, to: today)!, to = calendar.date(byAdding: .day, value: 1, to: today)!
            let r = try await api.get("/reports/timeseries?from=\(day(from))&to=\(day(to))&tz=Europe/Moscow&interval=day")
            #expect(r.status == .ok, "\(r.text)")
            let buckets = try #require(r.json?["buckets"]?.arrayValue)
            #expect(buckets.count == 6)
            let starts = buckets.compactMap { $0["start"]?.stringValue.flatMap { try? Date($0, strategy: .iso8601) } }
            #expect(starts == (0..<6).map { calendar.date(byAdding: .day, value: $0, to: from)! })
            let issuedDay = calendar.startOfDay(for: Date(timeIntervalSince1970: TimeInterval(threeDaysAgo)))
            for (i, b) in buckets.enumerated() {
                #expect(b["cardsIssued"] == .integer(starts[i] == issuedDay ? 1 : 0), "bucket \(i)")
                #expect(b["points"]?["welcome"] == .integer(starts[i] == issuedDay ? 100 : 0), "bucket \(i)")
                #expect(b["points"]?["accrued"] == .integer(starts[i] == today ? 30 : 0), "bucket \(i)")
            }

            let weeks = try #require(try await api.get("/reports/timeseries?from=2026-01-01&to=2026-03-01&interval=week").json?["buckets"]?.arrayValue)
            // 2026-01-01 is a Thursday: the first bucket runs to Monday the 5th, then whole weeks to March.
            #expect(weeks.first?["start"] == .string("2026-01-01T00:00:00Z"))
            #expect(weeks.dropFirst().first?["start"] == .string("2026-01-05T00:00:00Z"))
            #expect(weeks.count == 9)

            let csv = try await api.call(.get, "/reports/timeseries?from=\(day(from))&to=\(day(to))&tz=Europe/Moscow", headers: [.accept: "text/csv"])
            let lines = csv.text.split(separator: "\r\n")
            #expect(lines.count == 7, "a header and a line per day")
            #expect(lines.first?.hasPrefix("start,cards_issued,households_issued,link_opens,downloads,installs_apple") == true)
            #expect(lines.last?.contains(",30,") == true, "today's accrual: \(lines.last ?? "")")
        }
    }

    /// The figures of the moment are kept for minutes only where counting them is slow: a small
    /// program's report is exact right after a change.
    @Test(arguments: Engine.allCases)
    func aSmallProgramsFiguresOfTheMomentAreExact(_ engine: Engine) async throws {
        try await TestServer.run(engine, configure: { $0.reportCurrentMaxAge = 300 }) { s, client in
            let api = LoyaltyAPI(s, client)
            try await s.server.reports.refreshCurrent()
            _ = try await api.issueNumber("Anna", phone: "+79120000001")
            let (from, to) = Self.today(in: "UTC")
            let j = try #require(try await api.get("/reports/summary?from=\(from)&to=\(to)").json)
            #expect(j["liability"]?["points"] == .integer(100), "\(j["liability"] ?? .null)")
            #expect(j["tiers"]?.arrayValue?.first?["households"] == .integer(1))
        }
    }

    @Test(arguments: Engine.allCases)
    func badPeriodsAreRefusedNamingTheParameter(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let api = LoyaltyAPI(s, client)
            let cases: [(String, String)] = [
                ("/reports/summary", "from"),
                ("/reports/summary?from=2026-01-01", "to"),
                ("/reports/summary?to=2026-01-01", "from"),
                ("/reports/summary?from=2026-02-01&to=2026-01-01", "from"),
                ("/reports/summary?from=2026-01-01&to=2026-01-01", "from"),
                ("/reports/summary?from=2026-02-30&to=2026-03-01", "from"),
                ("/reports/summary?from=yesterday&to=2026-03-01", "from"),
                ("/reports/summary?from=2026-01-01&to=2026-03-01T25:00:00Z", "to"),
                ("/reports/summary?from=2026-01-01&to=2026-03-01&tz=Mars/Olympus", "tz"),
                ("/reports/summary?from=2026-01-01&to=2026-03-01&tz=EST", "tz"),
                ("/reports/summary?from=2026-01-01&to=2026-03-01&activeDays=0", "activeDays"),
                ("/reports/summary?from=2026-01-01&to=2026-03-01&activeDays=367", "activeDays"),
                ("/reports/timeseries?from=2026-01-01&to=2026-03-01&interval=hour", "interval"),
                ("/reports/timeseries?from=2020-01-01&to=2026-01-01&interval=day", "interval"),
                ("/reports/timeseries?from=2026-03-01&to=2026-01-01", "from"),
            ]
            for (path, field) in cases {
                api.expectProblem(try await api.get(path), .unprocessableContent, field: field, "GET \(path)")
            }
            // Date-times with offsets are periods too.
            #expect(try await api.get("/reports/summary?from=2026-01-01T09:00:00%2B03:00&to=2026-01-01T10:00:00.5Z").status == .ok)
            #expect(try await api.get("/reports/timeseries?from=2020-01-01&to=2026-01-01&interval=month").json?["buckets"]?.arrayValue?.count == 72)

            // A crm key may not read reports.
            let created = try await api.post("/apikeys", #"{"name":"crm","scopes":["crm"]}"#)
            let crm = api.with(token: try #require(created.json?["token"]?.stringValue))
            api.expectProblem(try await crm.get("/reports/summary?from=2026-01-01&to=2026-02-01"), .forbidden, field: nil)
        }
    }
}

extension JSONValue {
    /// A JSON number as a Double (integers included).
    var double: Double? {
        switch self {
        case .number(let d): return d
        case .integer(let i): return Double(i)
        default: return nil
        }
    }
}
