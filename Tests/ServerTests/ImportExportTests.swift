import Foundation
import HTTPTypes
import PassBuilder
import Storage
import Testing
import TestSupport

@testable import Server

/// `/api/v1/exports`: the cards in the columns an import reads (an export imported into an empty
/// database gives the same cards and balances), and the ledger, whole or for a period.
@Suite struct ImportExportTests {
    /// The columns compared across the round trip: all but `source` and `created_at`, which an import sets anew.
    static func comparable(_ csv: String) -> [[String]] {
        LoyaltyAPI.csvRows(csv).map { Array($0.prefix(8)) }.sorted { $0.lexicographicallyPrecedes($1) }
    }

    @Test(arguments: Engine.allCases)
    func anExportImportedIntoAnEmptyDatabaseGivesTheSameCards(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let api = LoyaltyAPI(s, client)
            // Cards of every kind: a household of two (one blocked) with welcome points, an accrual
            // and a purchase; a plastic card in a tier set by hand; imported ones.
            let anna = try await api.issueNumber(#"Анна \"Аня\", Петрова"#, phone: "+79123456789", extra: #""externalId":"crm-1""#)
            let boris = try await api.issueNumber("Борис", phone: "+79123456789")
            try await api.apply(anna, #"{"type":"accrual","points":50}"#)
            try await api.apply(boris, #"{"type":"purchase","amount":"1500.00"}"#)
            #expect(try await api.post("/cards/\(boris)/block", "{}").status == .ok)
            let vera = try await api.issueNumber("Вера", phone: "+79120000002", extra: #""number":"PL-0001""#)
            #expect(try await api.post("/cards/\(vera)/tier", #"{"tier":"gold"}"#).status == .ok)
            try await api.importAndWait("name,phone,balance,turnover\nГлеб,+79120000003,30,100.10\nДана,+79120000003,0,\n")

            let exported = try await api.export("cards")
            #expect(LoyaltyAPI.csvHeader(exported) == ["card_number", "name", "phone", "external_id", "tier", "balance", "turnover", "status", "source", "created_at"])
            let rows = LoyaltyAPI.csvRows(exported)
            #expect(rows.count == 5, "\(exported)")
            let annaRow = try #require(rows.first { $0[0] == anna })
            #expect(annaRow.prefix(8) == [anna, #"Анна "Аня", Петрова"#, "+79123456789", "crm-1", "base", "225", "1500.00", "active"], "\(annaRow)")
            #expect(annaRow[8] == "api")
            let borisRow = try #require(rows.first { $0[0] == boris })
            #expect(borisRow[5] == "" && borisRow[6] == "" && borisRow[7] == "blocked", "a household's figures are on its first card only: \(borisRow)")
            #expect(rows.first { $0[0] == "79120000003-1" }?[8] == "import")

            try await TestServer.run(engine) { s2, client2 in
                let fresh = LoyaltyAPI(s2, client2)
                let done = try await fresh.importAndWait(exported)
                #expect(done["cardsCreated"]?.int64 == 5 && done["householdsCreated"]?.int64 == 3, "\(done)")
                let again = try await fresh.export("cards")
                #expect(Self.comparable(again) == Self.comparable(exported), "\(again)\nvs\n\(exported)")
                for number in [anna, boris, vera, "79120000003-1", "79120000003-2"] {
                    #expect(try await fresh.balance(number) == (try await api.balance(number)), "\(number)")
                    #expect(try await fresh.card(number)["status"] == (try await api.card(number)["status"]), "\(number)")
                }
                #expect(try await fresh.numbers(phone: "+79123456789") == [anna, boris])
                // The virtual numbers came back as the household's suffixes, so a card issued afterwards takes the next one.
                #expect(try await fresh.column("SELECT COALESCE(suffix, 0) FROM cards WHERE account_id = (SELECT id FROM accounts WHERE phone = '+79123456789') ORDER BY number") == ["1", "2"])
                #expect(try await fresh.issueNumber("Ира", phone: "+79123456789") == "79123456789-3")
            }
        }
    }

    @Test(arguments: Engine.allCases)
    func theLedgerWholeOrForAPeriod(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let api = LoyaltyAPI(s, client)
            let anna = try await api.issueNumber("Anna", phone: "+79123456789")
            try await api.apply(anna, #"{"type":"purchase","amount":"1500.00","businessKey":"deal:1:accrual","comment":"deal, 1"}"#)
            try await api.importAndWait("name,phone,balance\nBoris,+79120000002,40\n")

            let whole = try await api.export("ledger")
            #expect(LoyaltyAPI.csvHeader(whole) == [
                "id", "created_at", "card_number", "phone", "kind", "points", "amount", "balance_after", "business_key", "reverses", "comment",
            ])
            let rows = LoyaltyAPI.csvRows(whole)
            #expect(rows.map { $0[4] } == ["welcome", "purchase", "opening"], "\(whole)")
            #expect(rows[1][2] == anna && rows[1][3] == "+79123456789" && rows[1][5] == "75" && rows[1][6] == "1500.00" && rows[1][7] == "175", "\(rows[1])")
            #expect(rows[1][8] == "deal:1:accrual" && rows[1][10] == "deal, 1", "\(rows[1])")
            #expect(rows[2][3] == "+79120000002" && rows[2][5] == "40" && rows[2][8].hasPrefix("import:"), "\(rows[2])")
            #expect(rows[0][1].hasSuffix("Z"), "UTC unless told: \(rows[0][1])")

            // A period: today in Moscow has every entry (written with its offset); tomorrow has none.
            let zone = TimeZone(identifier: "Europe/Moscow")!
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = zone
            let today = calendar.startOfDay(for: Date())
            let day = { (d: Date) in d.formatted(Date.ISO8601FormatStyle(timeZone: zone).year().month().day().dateSeparator(.dash)) }
            let tomorrow = calendar.date(byAdding: .day, value: 1, to: today)!
            let after = calendar.date(byAdding: .day, value: 2, to: today)!
            let inMoscow = try await api.export("ledger?from=\(day(today))&to=\(day(tomorrow))&tz=Europe/Moscow")
            #expect(LoyaltyAPI.csvRows(inMoscow).count == 3, "\(inMoscow)")
            #expect(LoyaltyAPI.csvRows(inMoscow).first?[1].hasSuffix("+03:00") == true, "\(inMoscow)")
            let empty = try await api.export("ledger?from=\(day(tomorrow))&to=\(day(after))&tz=Europe/Moscow")
            #expect(LoyaltyAPI.csvRows(empty).isEmpty && LoyaltyAPI.csvHeader(empty).count == 11, "\(empty)")
            let since = try await api.export("ledger?from=\(LoyaltyAPI.query(Date().addingTimeInterval(-3600).formatted(.iso8601)))")
            #expect(LoyaltyAPI.csvRows(since).count == 3, "\(since)")

            for (query, field) in [
                ("from=\(day(tomorrow))&to=\(day(today))", "to"), ("from=\(day(today))&to=\(day(today))", "to"),
                ("from=yesterday", "from"), ("to=2026-13-45", "to"), ("tz=Mars/Olympus", "tz"),
            ] {
                api.expectProblem(try await api.get("/exports/ledger?\(query)"), .unprocessableContent, field: field, "\(query)")
            }
        }
    }

    @Test(arguments: Engine.allCases)
    func exportsStreamManyPages(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let api = LoyaltyAPI(s, client)
            // More cards than a page (1,000), households of three: the figures stay on each household's first card across pages.
            var csv = "name,phone,balance\n"
            for i in 0..<2500 { csv += "Client \(i),+7912\(String(format: "%07d", i / 3)),\(i % 3 == 0 ? 3 : 0)\n" }
            try await api.importAndWait(csv)
            let rows = LoyaltyAPI.csvRows(try await api.export("cards"))
            #expect(rows.count == 2500)
            #expect(Set(rows.map { $0[0] }).count == 2500, "no card twice")
            #expect(rows.filter { !$0[5].isEmpty }.count == 834, "one balance per household")
            #expect(rows.compactMap { Int($0[5]) }.reduce(0, +) == 834 * 3)
            #expect(LoyaltyAPI.csvRows(try await api.export("ledger")).count == 834)
        }
    }
}
