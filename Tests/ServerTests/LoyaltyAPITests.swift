import Foundation
import Hummingbird
import HummingbirdTesting
import Loyalty
import NIOCore
import PassBuilder
import Storage
import Testing
import TestSupport

@testable import Server

/// `/api/v1` cards, transactions, program and API keys over real HTTP, on both databases.
@Suite struct LoyaltyAPITests {
    /// The household most tests use: its E.164 phone and the digits its card numbers start with.
    static let phone = "+79123456789"
    static let digits = "79123456789"

    // MARK: 1. issuing, households, lookups

    @Test(arguments: Engine.allCases)
    func issueGivesWelcomePointsAndGroupsPhoneSpellingsIntoOneHousehold(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let api = LoyaltyAPI(s, client)
            let first = try await api.issue("Anna Petrova", phone: "8 (912) 345-67-89")
            #expect(first["number"] == .string("\(Self.digits)-1"))
            #expect(first["phone"] == .string(Self.phone))
            #expect(first["balance"] == .integer(100), "welcome points")
            #expect(first["tier"] == .string("base"))
            #expect(first["tierName"] == .string("Base"))
            #expect(first["turnover"] == .string("0.00"))
            #expect(first["status"] == .string("active"))
            #expect(first["externalId"] == .null)
            #expect(first["serialNumber"]?.stringValue?.isEmpty == false)
            #expect(first["passTypeIdentifier"] == .string(s.passType))

            let second = try await api.issue("Boris Petrov", phone: "+7 912 345 67 89")
            #expect(second["number"] == .string("\(Self.digits)-2"))
            #expect(second["phone"] == .string(Self.phone))
            #expect(second["balance"] == .integer(100), "one household, one welcome")
            #expect(second["serialNumber"] != first["serialNumber"])
            let third = try await api.issue("Vera Petrova", phone: Self.digits)
            #expect(third["number"] == .string("\(Self.digits)-3"))
            let household = ["\(Self.digits)-1", "\(Self.digits)-2", "\(Self.digits)-3"]

            // One welcome entry in the household's ledger.
            let history = try await api.get("/cards/\(household[2])/transactions")
            #expect(history.status == .ok)
            let items = history.json?["items"]?.arrayValue ?? []
            #expect(items.count == 1)
            #expect(items.first?["type"] == .string("welcome"))
            #expect(items.first?["points"] == .integer(100))

            // Every change, on any card, shows on every card of the household.
            var expected: Int64 = 100
            for (number, body, delta) in [
                (household[1], #"{"type":"accrual","points":25}"#, Int64(25)),
                (household[2], #"{"type":"purchase","amount":"200.00"}"#, 10),
                (household[0], #"{"type":"debit","points":35}"#, -35),
            ] {
                let r = try await api.apply(number, body)
                expected += delta
                #expect(r["balance"] == .integer(expected))
                for other in household {
                    #expect(try await api.balance(other) == expected, "\(other) after \(body)")
                }
            }
            #expect(try await api.ledgerSum(household[0]) == expected)

            // Any spelling of the phone finds the whole household, in number order.
            for spelling in ["8 (912) 345-67-89", "+7 912 345 67 89", Self.digits, "9123456789"] {
                #expect(try await api.numbers(phone: spelling) == household, "phone \(spelling)")
            }
            let shown = try await api.card(household[1])
            #expect(shown["name"] == .string("Boris Petrov"))
            #expect(shown["balance"] == .integer(expected))

            // Another phone is another household, with its own welcome.
            let other = try await api.issue("Gleb Orlov", phone: "+7 916 000-00-01")
            #expect(other["number"] == .string("79160000001-1"))
            #expect(other["balance"] == .integer(100))
            #expect(try await api.numbers(phone: "89160000001") == ["79160000001-1"])
            #expect(try await api.numbers(phone: "+7 999 000-00-00").isEmpty)
            // A phone that is no phone: 400 naming it.
            api.expectProblem(try await api.get("/cards?phone=abc"), .badRequest, field: "phone")
        }
    }

    @Test(arguments: Engine.allCases)
    func lookupByExternalIdAndSearch(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let api = LoyaltyAPI(s, client)
            let anna = try await api.issueNumber("Anna Petrova", phone: "+79161234501", extra: #""externalId":"crm-42""#)
            let boris = try await api.issueNumber("Boris Ivanov", phone: "+79161234502")
            let vera = try await api.issueNumber("Vera Petrova", phone: "+79261234503")
            let gleb = try await api.issueNumber("Gleb Sidorov", phone: "+79261234503")

            let byExternal = try await api.get("/cards?externalId=crm-42")
            #expect(byExternal.status == .ok)
            #expect(byExternal.json?["items"]?.arrayValue?.map { $0["number"] } == [.string(anna)])
            #expect(byExternal.json?["items"]?.arrayValue?.first?["externalId"] == .string("crm-42"))
            #expect(byExternal.json?["nextCursor"] == .null)
            #expect(try await api.get("/cards?externalId=crm-43").json?["items"] == .array([]))

            func search(_ text: String) async throws -> [String] {
                let r = try await api.get("/cards?search=\(LoyaltyAPI.query(text))")
                #expect(r.status == .ok)
                return r.json?["items"]?.arrayValue?.compactMap { $0["number"]?.stringValue } ?? []
            }
            #expect(try await search("petrova") == [anna, vera], "name substring, any case")
            #expect(try await search("PETROVA") == [anna, vera])
            #expect(try await search("Ivanov") == [boris])
            #expect(try await search("9261234503") == [vera, gleb], "phone digits: the whole household")
            #expect(try await search("79161234502-") == [boris], "number prefix")
            #expect(try await search("nobody").isEmpty)
        }
    }

    /// `search=%` is a search for the character "%", which no card has; not "every card".
    @Test(arguments: Engine.allCases)
    func searchForAWildcardCharacterFindsNothing(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let api = LoyaltyAPI(s, client)
            _ = try await api.issueNumber("Anna Petrova", phone: "+79161234501")
            _ = try await api.issueNumber("Boris Ivanov", phone: "+79161234502")
            for text in ["%", "_", "%%"] {
                let r = try await api.get("/cards?search=\(LoyaltyAPI.query(text))")
                #expect(r.status == .ok)
                #expect(r.json?["items"]?.arrayValue?.count == 0, "search \(text): \(r.text)")
            }
        }
    }

    @Test(arguments: Engine.allCases)
    func listPagesThroughEveryCardExactlyOnceInOrder(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let api = LoyaltyAPI(s, client)
            var issued: [String] = []
            // 7 cards in 3 households, issued out of number order.
            for (name, phone) in [
                ("C1", "+79161110003"), ("A1", "+79161110001"), ("B1", "+79161110002"), ("A2", "+79161110001"),
                ("C2", "+79161110003"), ("A3", "+79161110001"), ("B2", "+79161110002"),
            ] {
                issued.append(try await api.issueNumber(name, phone: phone))
            }
            let expected = issued.sorted()
            #expect(expected.first == "79161110001-1")

            var seen: [String] = []
            var cursor: String?
            var pages: [Int] = []
            repeat {
                let r = try await api.get("/cards?limit=3" + (cursor.map { "&cursor=\(LoyaltyAPI.query($0))" } ?? ""))
                #expect(r.status == .ok, "\(r.text)")
                let items = r.json?["items"]?.arrayValue ?? []
                pages.append(items.count)
                seen += items.compactMap { $0["number"]?.stringValue }
                cursor = r.json?["nextCursor"]?.stringValue
                if let cursor { #expect(cursor == seen.last, "the cursor is the last number of the page") }
            } while cursor != nil && pages.count < 10
            #expect(pages == [3, 3, 1])
            #expect(seen == expected, "every card once, ordered by number")

            // The default page holds them all; a bad limit or cursor is 400.
            let all = try await api.get("/cards")
            #expect(all.json?["items"]?.arrayValue?.count == 7)
            #expect(all.json?["nextCursor"] == .null)
            for bad in ["0", "501", "x", "-1"] {
                api.expectProblem(try await api.get("/cards?limit=\(bad)"), .badRequest, field: "limit", "limit=\(bad)")
            }
        }
    }

    // MARK: 2. refused requests write nothing

    @Test(arguments: Engine.allCases)
    func invalidIssueRequestsAreProblemsAndWriteNothing(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let api = LoyaltyAPI(s, client)
            let anna = try await api.issueNumber("Anna", phone: Self.phone, extra: #""externalId":"ext-1""#)
            _ = try await api.issueNumber("Plastic", phone: "+79160000002", extra: #""number":"PLASTIC-0001""#)
            let before = try await api.snapshot()
            #expect(before.cards.count == 2)

            // New phones throughout, so a half-done issue would leave a household behind.
            let cases: [(String, HTTPResponse.Status, String?)] = [
                (#"{"name":"X","phone":"12345"}"#, .unprocessableContent, "phone"),
                (#"{"name":"X","phone":"+8 912 345-67-89"}"#, .unprocessableContent, "phone"),
                (#"{"name":"X","phone":"8 (123) 456-78-90"}"#, .unprocessableContent, "phone"),
                (#"{"name":"X","phone":"９１２３４５６７８９"}"#, .unprocessableContent, "phone"),
                (#"{"name":"X"}"#, .unprocessableContent, "phone"),
                (#"{"name":"   ","phone":"+79160000010"}"#, .unprocessableContent, "name"),
                (#"{"name":"","phone":"+79160000010"}"#, .unprocessableContent, "name"),
                (#"{"phone":"+79160000010"}"#, .unprocessableContent, "name"),
                (#"{"name":42,"phone":"+79160000010"}"#, .unprocessableContent, "name"),
                (#"{"name":"X","phone":"+79160000010","tier":"platinum"}"#, .unprocessableContent, "tier"),
                (#"{"name":"X","phone":"+79160000010","number":"plastic-0001"}"#, .conflict, "number"),
                (#"{"name":"X","phone":"+79160000010","number":"ab"}"#, .unprocessableContent, "number"),
                (#"{"name":"X","phone":"+79160000010","number":"AB 1234"}"#, .unprocessableContent, "number"),
                (#"{"name":"X","phone":"+79160000010","externalId":"ext-1"}"#, .conflict, "externalId"),
                (#"{"name":"X","phone":"+79123456789","externalId":"ext-1"}"#, .conflict, "externalId"),
                ("{", .badRequest, nil),
                (#"{"name":"X","phone":"+79160000010""#, .badRequest, nil),
                ("[]", .badRequest, nil),
                ("", .badRequest, nil),
            ]
            for (body, status, field) in cases {
                let r = try await api.post("/cards", body)
                api.expectProblem(r, status, field: field, "POST /cards \(body)")
                if field == nil { #expect(r.field == nil) }
            }
            #expect(try await api.snapshot() == before, "nothing written")
            #expect(try await api.numbers(phone: "+79160000010").isEmpty)

            // Unknown cards: 404 problem+json everywhere, nothing written.
            let ghost = "79990000000-1"
            for (method, path, body) in [
                (HTTPRequest.Method.get, "/cards/\(ghost)", nil), (.get, "/cards/\(ghost)/transactions", nil), (.get, "/cards/\(ghost)/pass", nil),
                (.post, "/cards/\(ghost)/transactions", #"{"type":"accrual","points":5}"#), (.post, "/cards/\(ghost)/block", "{}"),
                (.post, "/cards/\(ghost)/unblock", "{}"), (.post, "/cards/\(ghost)/tier", #"{"tier":"gold"}"#),
            ] as [(HTTPRequest.Method, String, String?)] {
                let r = try await api.call(method, path, body)
                api.expectProblem(r, .notFound, field: nil, "\(method) \(path)")
                #expect(r.detail?.contains(ghost) == true, "the detail names the card: \(r.text)")
            }
            #expect(try await api.snapshot() == before, "nothing written")
            #expect(try await api.balance(anna) == 100)
        }
    }

    // MARK: 3. purchases and tiers

    @Test(arguments: Engine.allCases)
    func purchaseAccruesTheFloorOfTheTierPercent(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let api = LoyaltyAPI(s, client)
            let card = try await api.issueNumber("Anna", phone: Self.phone)
            var balance: Int64 = 100
            var turnover: Int64 = 0
            for (amount, points, minor) in [
                ("1500.00", Int64(75), Int64(150_000)), ("1499.99", 74, 149_999), ("1500", 75, 150_000), ("0.19", 0, 19), ("19.99", 0, 1999),
                ("20.00", 1, 2000), ("0.5", 0, 50),
            ] {
                let r = try await api.apply(card, #"{"type":"purchase","amount":"\#(amount)","comment":"receipt \#(amount)"}"#)
                balance += points
                turnover += minor
                let entry = r["entry"]
                #expect(entry?["type"] == .string("purchase"))
                #expect(entry?["points"] == .integer(points), "\(amount) at 5%")
                #expect(entry?["amount"] == .string(Money(minorUnits: minor).description))
                #expect(entry?["balanceAfter"] == .integer(balance))
                #expect(entry?["cardNumber"] == .string(card))
                #expect(entry?["comment"] == .string("receipt \(amount)"))
                #expect(r["balance"] == .integer(balance))
                #expect(r["replayed"] == .bool(false))
                #expect(r["card"]?["turnover"] == .string(Money(minorUnits: turnover).description))
            }
            #expect(try await api.card(card)["turnover"] == .string("4540.67"))

            let before = try await api.snapshot()
            for bad in [
                #""10.005""#, #""-5.00""#, #""1e3""#, "15.5", "-5", #""""#, #"" 15.00""#, #""1,500.00""#, #""15,5""#, #"".50""#, #""5.""#,
                #""abc""#, "null", "true", #"{"value":"15.00"}"#, #""10000000000000.01""#,
            ] {
                let r = try await api.transact(card, #"{"type":"purchase","amount":\#(bad)}"#)
                api.expectProblem(r, .unprocessableContent, field: "amount", "amount \(bad)")
            }
            api.expectProblem(try await api.transact(card, #"{"type":"purchase"}"#), .unprocessableContent, field: "amount")
            api.expectProblem(try await api.transact(card, #"{"type":"refund","amount":"1.00"}"#), .unprocessableContent, field: "type")
            api.expectProblem(try await api.transact(card, #"{"points":5}"#), .unprocessableContent, field: "type")
            #expect(try await api.snapshot() == before, "refused purchases write nothing")
        }
    }

    /// A JSON integer amount is whole currency units (Fields.money); out of range is 422, never a trap.
    @Test(arguments: Engine.allCases)
    func purchaseAmountAsJSONIntegerIsWholeUnitsWithinRange(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let api = LoyaltyAPI(s, client)
            let card = try await api.issueNumber("Anna", phone: Self.phone)
            let r = try await api.apply(card, #"{"type":"purchase","amount":1500}"#)
            #expect(r["entry"]?["amount"] == .string("1500.00"))
            #expect(r["entry"]?["points"] == .integer(75))
            let debit = try await api.apply(card, #"{"type":"debit","points":50,"purchaseAmount":100}"#)
            #expect(debit["entry"]?["amount"] == .string("100.00"))
            let before = try await api.snapshot()
            for bad in ["-5", "10000000000001", "9223372036854775807", "-9223372036854775808"] {
                api.expectProblem(try await api.transact(card, #"{"type":"purchase","amount":\#(bad)}"#), .unprocessableContent, field: "amount", "amount \(bad)")
                api.expectProblem(
                    try await api.transact(card, #"{"type":"debit","points":1,"purchaseAmount":\#(bad)}"#), .unprocessableContent, field: "purchaseAmount",
                    "purchaseAmount \(bad)")
            }
            #expect(try await api.snapshot() == before)
            #expect(try await api.balance(card) == 125, "the server is still there")
        }
    }

    /// Two maximal purchases take the turnover past Money.maximum: the server must neither trap
    /// nor print the turnover in minor units as if they were units.
    @Test(arguments: Engine.allCases)
    func turnoverBeyondTheMoneyMaximumStaysMoney(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let api = LoyaltyAPI(s, client)
            let card = try await api.issueNumber("Anna", phone: Self.phone)
            let first = try await api.apply(card, #"{"type":"purchase","amount":"10000000000000.00"}"#)
            #expect(first["card"]?["turnover"] == .string("10000000000000.00"))
            #expect(first["card"]?["tier"] == .string("gold"))
            let second = try await api.transact(card, #"{"type":"purchase","amount":"10000000000000.00"}"#)
            #expect(second.status == .created || second.status == .unprocessableContent, "\(second.text)")
            let shown = try await api.card(card)
            let expected = second.status == .created ? "20000000000000.00" : "10000000000000.00"
            #expect(shown["turnover"] == .string(expected), "turnover is money with two decimals")
            if second.status == .created {
                #expect(second.json?["card"]?["turnover"] == .string(expected))
            }
        }
    }

    @Test(arguments: Engine.allCases)
    func turnoverUpgradesTheHouseholdAndReversalNeverDowngrades(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let api = LoyaltyAPI(s, client)
            let anna = try await api.issueNumber("Anna", phone: Self.phone)
            let boris = try await api.issueNumber("Boris", phone: Self.phone)

            let big = try await api.apply(anna, #"{"type":"purchase","amount":"29999.99"}"#)
            #expect(big["entry"]?["points"] == .integer(1499))
            #expect(big["card"]?["tier"] == .string("base"), "29999.99 is below the silver threshold")
            let bigID = try #require(big["entry"]?["id"]?.int64)

            // One kopeck more crosses 30000.00: the household (both cards) is silver.
            let crossing = try await api.apply(boris, #"{"type":"purchase","amount":"0.01"}"#)
            #expect(crossing["entry"]?["points"] == .integer(0))
            #expect(crossing["card"]?["tier"] == .string("silver"))
            #expect(crossing["card"]?["tierName"] == .string("Silver"))
            #expect(crossing["card"]?["turnover"] == .string("30000.00"))
            for number in [anna, boris] {
                let card = try await api.card(number)
                #expect(card["tier"] == .string("silver"))
                #expect(card["tierName"] == .string("Silver"))
            }
            // The pass shows it: tier field and the silver variant.
            let pass = try await Self.pass(api, anna)
            #expect(Self.field(pass, "tier")?.value == .string("Silver"))
            #expect(pass.backgroundColor == "rgb(96, 108, 118)", "silver variant")

            // Purchases now earn 7 %.
            let after = try await api.apply(anna, #"{"type":"purchase","amount":"1000.00"}"#)
            #expect(after["entry"]?["points"] == .integer(70))
            #expect(after["balance"] == .integer(100 + 1499 + 0 + 70))

            // Refunding the big purchase takes its points and turnover back, not the tier.
            let reversal = try await api.apply(boris, #"{"type":"reversal","entryId":\#(bigID)}"#)
            #expect(reversal["entry"]?["points"] == .integer(-1499))
            #expect(reversal["card"]?["turnover"] == .string("1000.01"))
            #expect(reversal["card"]?["tier"] == .string("silver"), "never downgraded automatically")
            #expect(try await api.apply(anna, #"{"type":"purchase","amount":"100.00"}"#)["entry"]?["points"] == .integer(7))
            #expect(try await api.card(anna)["tier"] == .string("silver"))

            // A single purchase can cross both thresholds; it earns at the tier it was made in.
            let gleb = try await api.issueNumber("Gleb", phone: "+79160000001")
            let huge = try await api.apply(gleb, #"{"type":"purchase","amount":"100000.00"}"#)
            #expect(huge["entry"]?["points"] == .integer(5000))
            #expect(huge["card"]?["tier"] == .string("gold"))
            #expect(huge["card"]?["tierName"] == .string("Gold"))
            #expect(try await api.apply(gleb, #"{"type":"purchase","amount":"100.00"}"#)["entry"]?["points"] == .integer(10))
            #expect(try await Self.pass(api, gleb).backgroundColor == "rgb(122, 90, 24)", "gold variant")
        }
    }

    @Test(arguments: Engine.allCases)
    func manualTierChangeIsKeptAboveTheTurnoverTier(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let api = LoyaltyAPI(s, client)
            let anna = try await api.issueNumber("Anna", phone: Self.phone)
            let boris = try await api.issueNumber("Boris", phone: Self.phone)
            let changed = try await api.post("/cards/\(anna)/tier", #"{"tier":"gold"}"#)
            #expect(changed.status == .ok)
            #expect(changed.json?["tier"] == .string("gold"))
            #expect(try await api.card(boris)["tierName"] == .string("Gold"), "the tier is the household's")
            // Crossing the silver threshold never moves a gold household down; it earns 10 %.
            let r = try await api.apply(boris, #"{"type":"purchase","amount":"30000.00"}"#)
            #expect(r["entry"]?["points"] == .integer(3000))
            #expect(r["card"]?["tier"] == .string("gold"))

            let before = try await api.snapshot()
            api.expectProblem(try await api.post("/cards/\(anna)/tier", #"{"tier":"platinum"}"#), .unprocessableContent, field: "tier")
            api.expectProblem(try await api.post("/cards/\(anna)/tier", #"{}"#), .unprocessableContent, field: "tier")
            #expect(try await api.snapshot() == before)
            // Issuing with a tier puts a new household in it.
            let silver = try await api.issue("Vera", phone: "+79160000001", extra: #""tier":"silver""#)
            #expect(silver["tier"] == .string("silver"))
            #expect(silver["tierName"] == .string("Silver"))
        }
    }

    // MARK: 4. debits

    @Test(arguments: Engine.allCases)
    func debitIsLimitedByTheBalanceAndTheShareOfThePurchase(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let api = LoyaltyAPI(s, client)
            let card = try await api.issueNumber("Anna", phone: Self.phone)
            try await api.apply(card, #"{"type":"accrual","points":900}"#)
            let before = try await api.snapshot()

            let over = try await api.transact(card, #"{"type":"debit","points":1001}"#)
            api.expectProblem(over, .conflict, field: "points")
            #expect(over.detail?.contains("1000") == true, "the detail gives the balance: \(over.text)")
            api.expectProblem(try await api.transact(card, #"{"type":"debit","points":501,"purchaseAmount":"1000.00"}"#), .unprocessableContent, field: "points")
            api.expectProblem(try await api.transact(card, #"{"type":"debit","points":500,"purchaseAmount":"999.99"}"#), .unprocessableContent, field: "points")
            for bad in ["0", "-5", "1.5", #""10""#, "null", "true", "[10]"] {
                api.expectProblem(try await api.transact(card, #"{"type":"debit","points":\#(bad)}"#), .unprocessableContent, field: "points", "points \(bad)")
                api.expectProblem(try await api.transact(card, #"{"type":"accrual","points":\#(bad)}"#), .unprocessableContent, field: "points", "accrual points \(bad)")
            }
            api.expectProblem(try await api.transact(card, #"{"type":"debit"}"#), .unprocessableContent, field: "points")
            api.expectProblem(try await api.transact(card, #"{"type":"debit","points":5,"purchaseAmount":"1.234"}"#), .unprocessableContent, field: "purchaseAmount")
            #expect(try await api.snapshot() == before, "refused debits write nothing")

            // Exactly at the share: 50 % of 1000.00 is 500 points.
            let share = try await api.apply(card, #"{"type":"debit","points":500,"purchaseAmount":"1000.00"}"#)
            #expect(share["entry"]?["type"] == .string("debit"))
            #expect(share["entry"]?["points"] == .integer(-500))
            #expect(share["entry"]?["amount"] == .string("1000.00"))
            #expect(share["balance"] == .integer(500))
            #expect(share["card"]?["turnover"] == .string("0.00"), "a debit is no purchase")
            #expect(try await api.apply(card, #"{"type":"debit","points":499,"purchaseAmount":"999.99"}"#)["balance"] == .integer(1))
            // Exactly the balance.
            try await api.apply(card, #"{"type":"accrual","points":499}"#)
            let all = try await api.apply(card, #"{"type":"debit","points":500}"#)
            #expect(all["balance"] == .integer(0))
            #expect(all["entry"]?["amount"] == .null)
            api.expectProblem(try await api.transact(card, #"{"type":"debit","points":1}"#), .conflict, field: "points")
            #expect(try await api.balance(card) == 0)
            #expect(try await api.ledgerSum(card) == 0)
        }
    }

    // MARK: 5. reversals

    @Test(arguments: Engine.allCases)
    func reversalCancelsOnceWithinTheHousehold(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let api = LoyaltyAPI(s, client)
            let anna = try await api.issueNumber("Anna", phone: Self.phone)
            let boris = try await api.issueNumber("Boris", phone: Self.phone)
            let stranger = try await api.issueNumber("Gleb", phone: "+79160000001")

            let purchase = try await api.apply(anna, #"{"type":"purchase","amount":"2000.00"}"#)
            let purchaseID = try #require(purchase["entry"]?["id"]?.int64)
            #expect(purchase["balance"] == .integer(200))
            #expect(purchase["card"]?["turnover"] == .string("2000.00"))

            // Reversed from the other card of the household: points and turnover come back.
            let reversal = try await api.apply(boris, #"{"type":"reversal","entryId":\#(purchaseID),"comment":"refund"}"#)
            #expect(reversal["entry"]?["type"] == .string("reversal"))
            #expect(reversal["entry"]?["points"] == .integer(-100))
            #expect(reversal["entry"]?["reverses"] == .integer(purchaseID))
            #expect(reversal["entry"]?["amount"] == .string("2000.00"))
            #expect(reversal["balance"] == .integer(100))
            #expect(reversal["card"]?["turnover"] == .string("0.00"))
            let reversalID = try #require(reversal["entry"]?["id"]?.int64)

            var before = try await api.snapshot()
            api.expectProblem(try await api.transact(anna, #"{"type":"reversal","entryId":\#(purchaseID)}"#), .conflict, field: nil, "twice")
            api.expectProblem(try await api.transact(anna, #"{"type":"reversal","entryId":\#(reversalID)}"#), .unprocessableContent, field: "entryId", "a reversal")
            api.expectProblem(try await api.transact(stranger, #"{"type":"reversal","entryId":\#(purchaseID)}"#), .notFound, field: "entryId", "another household's")
            api.expectProblem(try await api.transact(anna, #"{"type":"reversal","entryId":99999999}"#), .notFound, field: "entryId")
            for bad in ["0", "-1", #""5""#, "1.5", "null"] {
                api.expectProblem(try await api.transact(anna, #"{"type":"reversal","entryId":\#(bad)}"#), .unprocessableContent, field: "entryId", "entryId \(bad)")
            }
            api.expectProblem(try await api.transact(anna, #"{"type":"reversal"}"#), .unprocessableContent, field: "entryId")
            #expect(try await api.snapshot() == before)

            // A debit reversed gives the points back.
            let debit = try await api.apply(anna, #"{"type":"debit","points":60}"#)
            #expect(debit["balance"] == .integer(40))
            let debitID = try #require(debit["entry"]?["id"]?.int64)
            let back = try await api.apply(anna, #"{"type":"reversal","entryId":\#(debitID)}"#)
            #expect(back["entry"]?["points"] == .integer(60))
            #expect(back["balance"] == .integer(100))

            // Taking back points already spent would make the balance negative: 409.
            let accrual = try await api.apply(anna, #"{"type":"accrual","points":500}"#)
            let accrualID = try #require(accrual["entry"]?["id"]?.int64)
            try await api.apply(boris, #"{"type":"debit","points":550}"#)
            before = try await api.snapshot()
            let negative = try await api.transact(anna, #"{"type":"reversal","entryId":\#(accrualID)}"#)
            api.expectProblem(negative, .conflict, field: nil)
            #expect(try await api.snapshot() == before)
            #expect(try await api.balance(anna) == 50)
            #expect(try await api.ledgerSum(anna) == 50)
        }
    }

    // MARK: 6. business keys

    @Test(arguments: Engine.allCases)
    func businessKeyAppliesAnOperationOncePerHousehold(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let api = LoyaltyAPI(s, client)
            let anna = try await api.issueNumber("Anna", phone: Self.phone)
            let boris = try await api.issueNumber("Boris", phone: Self.phone)
            let stranger = try await api.issueNumber("Gleb", phone: "+79160000001")
            let body = #"{"type":"accrual","points":10,"businessKey":"deal:123:accrual"}"#

            let first = try await api.transact(anna, body)
            #expect(first.status == .created)
            #expect(first.json?["replayed"] == .bool(false))
            #expect(first.json?["entry"]?["businessKey"] == .string("deal:123:accrual"))
            let id = try #require(first.json?["entry"]?["id"]?.int64)
            #expect(first.json?["balance"] == .integer(110))

            let before = try await api.snapshot()
            for number in [anna, boris] {
                let again = try await api.transact(number, body)
                #expect(again.status == .ok, "\(again.text)")
                #expect(again.json?["replayed"] == .bool(true))
                #expect(again.json?["entry"]?["id"] == .integer(id))
                #expect(again.json?["balance"] == .integer(110))
            }
            // Same key, another operation: 409 naming the key.
            for other in [
                #"{"type":"accrual","points":11,"businessKey":"deal:123:accrual"}"#,
                #"{"type":"purchase","amount":"10.00","businessKey":"deal:123:accrual"}"#,
                #"{"type":"debit","points":10,"businessKey":"deal:123:accrual"}"#,
            ] {
                api.expectProblem(try await api.transact(anna, other), .conflict, field: "businessKey", "\(other)")
            }
            // Keys are case-sensitive and checked.
            api.expectProblem(try await api.transact(anna, #"{"type":"accrual","points":1,"businessKey":"deal 123"}"#), .unprocessableContent, field: "businessKey")
            api.expectProblem(try await api.transact(anna, #"{"type":"accrual","points":1,"businessKey":"\#(String(repeating: "k", count: 129))"}"#), .unprocessableContent, field: "businessKey")
            #expect(try await api.snapshot() == before, "replays and conflicts write nothing")
            let upper = try await api.transact(anna, #"{"type":"accrual","points":10,"businessKey":"DEAL:123:ACCRUAL"}"#)
            #expect(upper.status == .created)

            // Another household's key space is its own.
            let elsewhere = try await api.transact(stranger, body)
            #expect(elsewhere.status == .created)
            #expect(elsewhere.json?["replayed"] == .bool(false))
            #expect(elsewhere.json?["entry"]?["id"] != .integer(id))
            #expect(elsewhere.json?["balance"] == .integer(110))
            #expect(try await api.count("SELECT COUNT(*) FROM ledger_entries WHERE business_key = $1", [.text("deal:123:accrual")]) == 2)
            #expect(try await api.balance(anna) == 120)
        }
    }

    /// Business keys are the client's: none is taken by the server's own entries (the welcome grant).
    @Test(arguments: Engine.allCases)
    func everyBusinessKeyIsFreeOnANewHousehold(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let api = LoyaltyAPI(s, client)
            let card = try await api.issueNumber("Anna", phone: Self.phone)
            let r = try await api.transact(card, #"{"type":"accrual","points":5,"businessKey":"welcome"}"#)
            #expect(r.status == .created, "\(r.text)")
            #expect(r.json?["replayed"] == .bool(false))
            #expect(try await api.balance(card) == 105)
        }
    }

    // MARK: 7. Idempotency-Key

    @Test(arguments: Engine.allCases)
    func idempotencyKeyReplaysTheFirstAnswer(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let api = LoyaltyAPI(s, client)
            let card = try await api.issueNumber("Anna", phone: Self.phone)
            let body = #"{"type":"accrual","points":5}"#

            let first = try await api.transact(card, body, idempotencyKey: "k-1")
            #expect(first.status == .created)
            #expect(first.headers[.idempotentReplayed] == nil)
            let replay = try await api.transact(card, body, idempotencyKey: "k-1")
            #expect(replay.status == first.status)
            #expect(replay.bytes == first.bytes, "the same body, byte for byte")
            #expect(replay.headers[.idempotentReplayed] == "true")
            #expect(try await api.balance(card) == 105, "executed once")

            // Same key, another body (or another card): 409, nothing executed.
            let before = try await api.snapshot()
            api.expectProblem(try await api.transact(card, #"{"type":"accrual","points":6}"#, idempotencyKey: "k-1"), .conflict, field: "Idempotency-Key")
            let other = try await api.issueNumber("Boris", phone: Self.phone)
            let afterIssue = try await api.snapshot()
            api.expectProblem(try await api.transact(other, body, idempotencyKey: "k-1"), .conflict, field: "Idempotency-Key")
            #expect(try await api.snapshot() == afterIssue)
            #expect(afterIssue.entries == before.entries)

            // A refusal is replayed as it was, even once the request would succeed.
            let refused = try await api.transact(card, #"{"type":"debit","points":1000}"#, idempotencyKey: "k-2")
            api.expectProblem(refused, .conflict, field: "points")
            try await api.apply(card, #"{"type":"accrual","points":2000}"#)
            let refusedAgain = try await api.transact(card, #"{"type":"debit","points":1000}"#, idempotencyKey: "k-2")
            #expect(refusedAgain.status == .conflict)
            #expect(refusedAgain.bytes == refused.bytes)
            #expect(refusedAgain.headers[.idempotentReplayed] == "true")
            #expect(try await api.balance(card) == 2105)

            // A bad key is 400.
            for bad in [String(repeating: "k", count: 256), "a b", "ключ"] {
                let r = try await api.transact(card, body, idempotencyKey: bad)
                api.expectProblem(r, .badRequest, field: "Idempotency-Key", "key \(bad.prefix(10))")
            }
            #expect(try await api.balance(card) == 2105)
        }
    }

    @Test(arguments: Engine.allCases)
    func idempotencyKeyOnIssueCreatesOneCardPerCaller(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let api = LoyaltyAPI(s, client)
            let body = #"{"name":"Anna","phone":"+79123456789","externalId":"crm-1"}"#
            let first = try await api.post("/cards", body, headers: [IdempotencyMiddleware.header: "issue-1"])
            #expect(first.status == .created)
            let before = try await api.snapshot()
            let again = try await api.post("/cards", body, headers: [IdempotencyMiddleware.header: "issue-1"])
            #expect(again.status == .created)
            #expect(again.bytes == first.bytes)
            #expect(again.headers[.idempotentReplayed] == "true")
            #expect(try await api.snapshot() == before, "no second card")
            #expect(try await api.numbers(phone: Self.phone) == ["\(Self.digits)-1"])
            // Without the key the same body is a new request: the externalId is taken.
            api.expectProblem(try await api.post("/cards", body), .conflict, field: "externalId")

            // Keys belong to their caller: another key's "issue-1" is a request of its own.
            let token = try await Self.createKey(api, scopes: ["crm"])
            let crm = api.with(token: token)
            let theirs = try await crm.post("/cards", #"{"name":"Boris","phone":"+79123456789"}"#, headers: [IdempotencyMiddleware.header: "issue-1"])
            #expect(theirs.status == .created)
            #expect(theirs.json?["number"] == .string("\(Self.digits)-2"))
            #expect(theirs.headers[.idempotentReplayed] == nil)
        }
    }

    /// A replayed refusal must be the same answer: same status, body and problem+json content type.
    @Test(arguments: Engine.allCases)
    func replayedRefusalIsStillProblemJSON(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let api = LoyaltyAPI(s, client)
            let card = try await api.issueNumber("Anna", phone: Self.phone)
            let body = #"{"type":"debit","points":1000}"#
            let refused = try await api.transact(card, body, idempotencyKey: "k-refused")
            api.expectProblem(refused, .conflict, field: "points")
            let replay = try await api.transact(card, body, idempotencyKey: "k-refused")
            #expect(replay.headers[.idempotentReplayed] == "true")
            #expect(replay.bytes == refused.bytes)
            api.expectProblem(replay, .conflict, field: "points", "the replay of a refusal")
        }
    }

    // MARK: 8. blocking

    @Test(arguments: Engine.allCases)
    func blockedCardRefusesTransactionsUntilUnblocked(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let api = LoyaltyAPI(s, client)
            let anna = try await api.issueNumber("Anna", phone: Self.phone)
            let boris = try await api.issueNumber("Boris", phone: Self.phone)
            let accrual = try await api.apply(anna, #"{"type":"accrual","points":50}"#)
            let accrualID = try #require(accrual["entry"]?["id"]?.int64)

            let blocked = try await api.post("/cards/\(anna)/block", "{}")
            #expect(blocked.status == .ok)
            #expect(blocked.json?["status"] == .string("blocked"))
            #expect(try await api.card(anna)["status"] == .string("blocked"))
            #expect(try await api.card(boris)["status"] == .string("active"), "blocking is per card")

            let before = try await api.snapshot()
            for body in [
                #"{"type":"accrual","points":5}"#, #"{"type":"purchase","amount":"100.00"}"#, #"{"type":"debit","points":5}"#,
                #"{"type":"reversal","entryId":\#(accrualID)}"#,
            ] {
                let r = try await api.transact(anna, body)
                api.expectProblem(r, .conflict, field: nil, "blocked: \(body)")
                #expect(r.detail?.contains("blocked") == true)
            }
            #expect(try await api.snapshot() == before)
            // Reading still works.
            #expect(try await api.get("/cards/\(anna)/transactions").status == .ok)
            #expect(try await api.get("/cards/\(anna)/pass").status == .ok)
            #expect(try await api.numbers(phone: Self.phone) == [anna, boris])
            // The household's other card still transacts.
            #expect(try await api.apply(boris, #"{"type":"accrual","points":1}"#)["balance"] == .integer(151))

            let unblocked = try await api.post("/cards/\(anna)/unblock", "{}")
            #expect(unblocked.status == .ok)
            #expect(unblocked.json?["status"] == .string("active"))
            #expect(try await api.apply(anna, #"{"type":"debit","points":51}"#)["balance"] == .integer(100))
        }
    }

    // MARK: 9. concurrency

    @Test(arguments: Engine.allCases)
    func concurrentDebitsNeverOverdrawAndConcurrentAccrualsAllLand(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let api = LoyaltyAPI(s, client)
            let anna = try await api.issueNumber("Anna", phone: Self.phone)
            let boris = try await api.issueNumber("Boris", phone: Self.phone)
            try await api.apply(anna, #"{"type":"accrual","points":155}"#)
            let start = try await api.balance(anna)
            #expect(start == 255)

            // 40 debits of 10 at once, from both cards of the household.
            let debits = try await api.concurrently((0..<40).map { i in
                Call(path: "/cards/\(i % 2 == 0 ? anna : boris)/transactions", body: #"{"type":"debit","points":10}"#)
            })
            let succeeded = debits.filter { $0.status == .created }
            let refused = debits.filter { $0.status == .conflict }
            #expect(succeeded.count == Int(start / 10))
            #expect(refused.count == 40 - Int(start / 10), "\(debits.map(\.status.code))")
            for r in refused { #expect(r.field == "points", "\(r.text)") }
            // Each success saw the balance its predecessor left: balances after are all different.
            let after = Set(succeeded.compactMap { $0.json?["entry"]?["balanceAfter"]?.int64 })
            #expect(after == Set(stride(from: start - 10, through: start % 10, by: -10)))
            var balance = try await api.balance(anna)
            #expect(balance == start - 10 * Int64(succeeded.count))
            #expect(balance >= 0)
            #expect(try await api.ledgerSum(anna) == balance)

            // 40 accruals of 1…40 points at once: every one lands.
            let accruals = try await api.concurrently((1...40).map { p in
                Call(path: "/cards/\(p % 2 == 0 ? anna : boris)/transactions", body: #"{"type":"accrual","points":\#(p)}"#)
            })
            #expect(accruals.allSatisfy { $0.status == .created }, "\(accruals.map(\.status.code))")
            #expect(Set(accruals.compactMap { $0.json?["entry"]?["balanceAfter"]?.int64 }).count == 40)
            let grown = try await api.balance(boris)
            #expect(grown == balance + 820)
            #expect(try await api.ledgerSum(anna) == grown)
            balance = grown

            // 20 identical requests with one business key at once: one entry, 19 replays of it.
            let keyed = try await api.concurrently((0..<20).map { i in
                Call(path: "/cards/\(i % 2 == 0 ? anna : boris)/transactions", body: #"{"type":"accrual","points":7,"businessKey":"promo:race"}"#)
            })
            #expect(keyed.filter { $0.status == .created }.count == 1, "\(keyed.map(\.status.code))")
            #expect(keyed.filter { $0.status == .ok }.count == 19)
            #expect(Set(keyed.compactMap { $0.json?["entry"]?["id"] }).count == 1, "all answers name the one entry")
            #expect(try await api.count("SELECT COUNT(*) FROM ledger_entries WHERE business_key = $1", [.text("promo:race")]) == 1)
            #expect(try await api.balance(anna) == balance + 7)
            #expect(try await api.ledgerSum(anna) == balance + 7)
        }
    }

    @Test(arguments: Engine.allCases)
    func concurrentRetriesWithOneIdempotencyKeyExecuteOnce(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let api = LoyaltyAPI(s, client)
            let card = try await api.issueNumber("Anna", phone: Self.phone)
            let entries = try await api.count("SELECT COUNT(*) FROM ledger_entries")
            let replies = try await api.concurrently((0..<20).map { _ in
                Call(path: "/cards/\(card)/transactions", body: #"{"type":"accrual","points":3}"#, headers: [IdempotencyMiddleware.header: "retry-1"])
            })
            // The first executes; the others replay it or are told it is still in progress.
            let created = replies.filter { $0.status == .created }
            #expect(created.count >= 1)
            #expect(Set(created.map(\.bytes)).count == 1, "every 201 is the same answer")
            for r in replies where r.status != .created {
                api.expectProblem(r, .conflict, field: "Idempotency-Key")
            }
            #expect(try await api.count("SELECT COUNT(*) FROM ledger_entries") == entries + 1)
            #expect(try await api.balance(card) == 103)
        }
    }

    @Test(arguments: Engine.allCases)
    func concurrentIssuesForOnePhoneMakeOneHousehold(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let api = LoyaltyAPI(s, client)
            let replies = try await api.concurrently((1...10).map { i in
                Call(path: "/cards", body: #"{"name":"Member \#(i)","phone":"+7 912 345-67-89"}"#)
            })
            #expect(replies.allSatisfy { $0.status == .created }, "\(replies.map { "\($0.status.code) \($0.text.prefix(120))" })")
            let numbers = Set(replies.compactMap { $0.json?["number"]?.stringValue })
            #expect(numbers == Set((1...10).map { "\(Self.digits)-\($0)" }))
            #expect(try await api.count("SELECT COUNT(*) FROM accounts") == 1)
            #expect(try await api.count("SELECT COUNT(*) FROM ledger_entries WHERE kind = 'welcome'") == 1)
            #expect(try await api.balance("\(Self.digits)-10") == 100)
        }
    }

    // MARK: 10. the card's pass

    @Test(arguments: Engine.allCases)
    func passShowsLiveValuesAndEveryHouseholdDeviceIsTold(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let api = LoyaltyAPI(s, client)
            let annaCard = try await api.issue("Anna Petrova", phone: Self.phone)
            let borisCard = try await api.issue("Boris Petrov", phone: Self.phone)
            let anna = try #require(annaCard["number"]?.stringValue)
            let annaSerial = try #require(annaCard["serialNumber"]?.stringValue)
            let borisSerial = try #require(borisCard["serialNumber"]?.stringValue)

            let download = try await api.get("/cards/\(anna)/pass")
            #expect(download.status == .ok)
            #expect(download.headers[.contentType] == "application/vnd.apple.pkpass")
            let report = PassVerifier.verify(bytes: download.bytes)
            #expect(report.isValid, "\(report.errors)")
            let pass = try #require(report.pass)
            #expect(pass.serialNumber == annaSerial)
            #expect(pass.passTypeIdentifier == s.passType)
            #expect(pass.authenticationToken == s.token(annaSerial))
            let balance = try #require(Self.field(pass, "balance"))
            #expect(pass.structure?.headerFields?.contains { $0.key == "balance" } == true, "balance is a header field")
            #expect(balance.value == .integer(100), "a JSON integer")
            #expect(balance.changeMessage?.isEmpty == false)
            #expect(pass.structure?.primaryFields?.first?.value == .string("Anna Petrova"))
            #expect(Self.field(pass, "tier")?.value == .string("Base"))
            #expect(Self.field(pass, "cardNumber")?.value == .string(anna))
            #expect(pass.barcodes?.first?.message == anna)
            let lastModified = try #require(download.headers[.lastModified].flatMap(HTTPDate.parse))

            // A device holds Boris's card of the household.
            let register = try await client.execute(
                uri: "/v1/devices/dev-b/registrations/\(s.passType)/\(borisSerial)", method: .post, headers: s.appleAuth(borisSerial),
                body: ByteBuffer(string: #"{"pushToken":"\#(pushTokenA)"}"#))
            #expect(register.status == .created)
            let listed = try await client.execute(uri: "/v1/devices/dev-b/registrations/\(s.passType)", method: .get)
            let tag = try #require(listed.json?["lastUpdated"]?.stringValue.flatMap { Int64($0) })
            #expect(try await api.column("SELECT push_token FROM push_due").isEmpty)
            let borisBefore = try await client.execute(uri: "/v1/passes/\(s.passType)/\(borisSerial)", method: .get, headers: s.appleAuth(borisSerial))
            let borisETag = try #require(borisBefore.headers[.eTag])

            // Anna's card earns: both passes change, and Boris's device is due a push.
            try await api.apply(anna, #"{"type":"accrual","points":50}"#)
            let changed = try await client.execute(uri: "/v1/devices/dev-b/registrations/\(s.passType)?passesUpdatedSince=\(tag)", method: .get)
            #expect(changed.status == .ok)
            #expect(changed.json?["serialNumbers"] == .array([.string(borisSerial)]))
            #expect(Int64(changed.json?["lastUpdated"]?.stringValue ?? "") ?? 0 > tag)
            #expect(try await api.column("SELECT push_token FROM push_due") == [pushTokenA])

            let again = try await api.get("/cards/\(anna)/pass")
            let newLastModified = try #require(again.headers[.lastModified].flatMap(HTTPDate.parse))
            #expect(newLastModified > lastModified, "Last-Modified moves with every change")
            let annaPass = try #require(PassVerifier.verify(bytes: again.bytes).pass)
            #expect(Self.field(annaPass, "balance")?.value == .integer(150))

            let borisAfter = try await client.execute(uri: "/v1/passes/\(s.passType)/\(borisSerial)", method: .get, headers: s.appleAuth(borisSerial))
            #expect(borisAfter.status == .ok)
            #expect(borisAfter.headers[.eTag] != borisETag)
            let borisPass = try #require(PassVerifier.verify(bytes: borisAfter.bytes).pass)
            #expect(Self.field(borisPass, "balance")?.value == .integer(150))
            #expect(borisPass.structure?.primaryFields?.first?.value == .string("Boris Petrov"))
            #expect(Self.field(borisPass, "cardNumber")?.value == .string("\(Self.digits)-2"))
            let annaRecord = try #require(try await s.service.store.pass(passTypeIdentifier: s.passType, serialNumber: annaSerial))
            let borisRecord = try #require(try await s.service.store.pass(passTypeIdentifier: s.passType, serialNumber: borisSerial))
            #expect(annaRecord.updateTag == borisRecord.updateTag, "one change, one tag for the household")
        }
    }

    /// The pass API can set what a card's pass keeps of its own (the promo text); balance, tier,
    /// holder and number stay live.
    @Test(arguments: Engine.allCases)
    func cardPassPromoCanBePatchedThroughThePassAPI(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let api = LoyaltyAPI(s, client)
            let card = try await api.issue("Anna Petrova", phone: Self.phone)
            let number = try #require(card["number"]?.stringValue)
            let serial = try #require(card["serialNumber"]?.stringValue)
            let patch = try await api.call(.patch, "/passes/\(serial)", #"{"values":{"promo":"Spring tournament"}}"#)
            #expect(patch.status == .ok, "\(patch.text)")
            try await api.apply(number, #"{"type":"accrual","points":5}"#)
            let pass = try await Self.pass(api, number)
            #expect(Self.field(pass, "promo")?.value == .string("Spring tournament"))
            #expect(Self.field(pass, "balance")?.value == .integer(105))
            #expect(Self.field(pass, "cardNumber")?.value == .string(number))
        }
    }

    /// Pass updates (PATCH /api/v1/passes) and ledger operations on the same household's passes,
    /// at once: every request is answered 2xx, none fails on a lock-order deadlock.
    @Test(arguments: Engine.allCases)
    func concurrentPassPatchesAndLedgerOperationsDoNotDeadlock(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let api = LoyaltyAPI(s, client)
            let card = try await api.issue("Anna Petrova", phone: Self.phone)
            let number = try #require(card["number"]?.stringValue)
            let serial = try #require(card["serialNumber"]?.stringValue)
            // Every template variable, so the PATCH validates whatever the stored values hold.
            let values = #""holderName":"x","cardNumber":"x","points":0,"tierName":"x","serialNumber":"x""#
            var calls: [Call] = []
            for i in 0..<20 {
                calls.append(Call(path: "/cards/\(number)/transactions", body: #"{"type":"accrual","points":1}"#))
                calls.append(Call(method: .patch, path: "/passes/\(serial)", body: #"{"values":{"promo":"p\#(i)",\#(values)}}"#))
            }
            let replies = try await api.concurrently(calls)
            let failed = zip(calls, replies).filter { !(200..<300).contains(Int($0.1.status.code)) }.map { "\($0.0.method) \($0.1.status.code)" }
            #expect(failed.isEmpty, "\(failed.count) of \(calls.count) failed: \(failed)")
            // Whatever failed, the ledger stays consistent: one point per accrual that was answered 201.
            let accrued = zip(calls, replies).filter { $0.0.method == .post && $0.1.status == .created }.count
            let balance = try await api.balance(number)
            #expect(balance == 100 + Int64(accrued))
            #expect(try await api.ledgerSum(number) == balance)
        }
    }

    // MARK: 11. API keys

    @Test(arguments: Engine.allCases)
    func apiKeyScopesRevocationAndStorage(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let admin = LoyaltyAPI(s, client)
            let created = try await admin.post("/apikeys", #"{"name":"crm robot","scopes":["crm"]}"#)
            #expect(created.status == .created)
            let token = try #require(created.json?["token"]?.stringValue)
            let id = try #require(created.json?["id"]?.stringValue)
            #expect(token.hasPrefix("pl_\(id)_"))
            #expect(created.json?["scopes"] == .array([.string("crm")]))
            let crm = admin.with(token: token)

            // What a CRM does.
            let card = try await crm.issueNumber("Anna", phone: Self.phone)
            #expect(try await crm.apply(card, #"{"type":"accrual","points":5}"#)["balance"] == .integer(105))
            #expect(try await crm.get("/cards/\(card)").status == .ok)
            #expect(try await crm.get("/cards/\(card)/pass").status == .ok)
            let program = try await crm.get("/program")
            #expect(program.status == .ok)
            // What it may not.
            crm.expectProblem(try await crm.call(.put, "/program", program.text), .forbidden, field: nil, "PUT /program")
            crm.expectProblem(try await crm.post("/apikeys", #"{"name":"mine","scopes":["admin"]}"#), .forbidden, field: nil, "POST /apikeys")
            crm.expectProblem(try await crm.get("/apikeys"), .forbidden, field: nil, "GET /apikeys")
            crm.expectProblem(try await crm.call(.delete, "/apikeys/\(id)"), .forbidden, field: nil, "DELETE /apikeys")
            #expect(try await admin.count("SELECT COUNT(*) FROM api_keys") == 1)

            // Only a hash of the secret is stored.
            let secret = String(token.split(separator: "_", maxSplits: 2)[2])
            let rows = try await s.server.database.read { db in try await db.query("SELECT * FROM api_keys") }
            #expect(rows.count == 1)
            let stored = rows.flatMap { row in row.values.indices.compactMap { row.text($0) } }.joined(separator: "\n")
            #expect(!stored.contains(token))
            #expect(!stored.contains(secret))
            let listed = try await admin.get("/apikeys")
            #expect(listed.json?["items"]?.arrayValue?.count == 1)
            #expect(listed.json?["items"]?.arrayValue?.first?["token"] == nil)
            #expect(!listed.text.contains(secret))

            // Bad requests for keys.
            admin.expectProblem(try await admin.post("/apikeys", #"{"name":"x","scopes":["root"]}"#), .unprocessableContent, field: "scopes")
            admin.expectProblem(try await admin.post("/apikeys", #"{"name":"x","scopes":[]}"#), .unprocessableContent, field: "scopes")
            admin.expectProblem(try await admin.post("/apikeys", #"{"scopes":["crm"]}"#), .unprocessableContent, field: "name")

            // No token, a wrong one, another scheme: 401.
            let path = "/api/v1/cards/\(card)"
            for headers: HTTPFields in [
                [:], [.authorization: "Bearer nope"], [.authorization: "Basic \(token)"], [.authorization: "Bearer \(token)x"],
                [.authorization: "Bearer pl_\(id)_\(String(repeating: "a", count: 32))"],
            ] {
                let r = Reply(try await client.execute(uri: path, method: .get, headers: headers))
                LoyaltyAPI.expectProblem(r, .unauthorized, field: nil, "\(headers)")
            }

            // Revoked: 401 from then on; revoking again is 404.
            #expect(try await admin.call(.delete, "/apikeys/\(id)").status == .noContent)
            crm.expectProblem(try await crm.get("/cards/\(card)"), .unauthorized, field: nil, "revoked")
            crm.expectProblem(try await crm.post("/cards/\(card)/transactions", #"{"type":"accrual","points":5}"#), .unauthorized, field: nil, "revoked")
            admin.expectProblem(try await admin.call(.delete, "/apikeys/\(id)"), .notFound, field: nil)
            #expect(try await admin.get("/apikeys").json?["items"]?.arrayValue?.first?["revoked"] == .bool(true))
            #expect(try await admin.balance(card) == 105)
        }
    }

    // MARK: 12. the program

    @Test(arguments: Engine.allCases)
    func programDefaultsAndInvalidProgramsAreRefused(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let api = LoyaltyAPI(s, client)
            let shown = try await api.get("/program")
            #expect(shown.status == .ok)
            let program = try #require(shown.json)
            #expect(program["name"] == .string("Loyalty program"))
            #expect(program["currency"] == .string("RUB"))
            #expect(program["defaultTier"] == .string("base"))
            #expect(program["welcomePoints"] == .integer(100))
            #expect(program["pointValue"] == .string("1.00"))
            #expect(program["maxPaymentShare"] == .string("50"))
            #expect(program["cardNumbers"] == .string("virtualFromPhone"))
            let tiers = program["tiers"]?.arrayValue ?? []
            #expect(tiers.map { $0["code"] } == [.string("base"), .string("silver"), .string("gold")])
            #expect(tiers.map { $0["name"] } == [.string("Base"), .string("Silver"), .string("Gold")])
            #expect(tiers.map { $0["accrual"] } == [.string("5"), .string("7"), .string("10")])
            #expect(tiers.map { $0["upgradeTurnover"] ?? .null } == [.null, .string("30000.00"), .string("100000.00")])
            let file = s.dataDirectory.appendingPathComponent("program.json")
            let fileBefore = try Data(contentsOf: file)

            func edited(_ change: (inout [String: JSONValue]) -> Void) -> String {
                var o = program.objectValue!
                change(&o)
                return String(decoding: JSONValue.object(o).serialized(), as: UTF8.self)
            }
            func editTier(_ index: Int, _ key: String, _ value: JSONValue) -> (inout [String: JSONValue]) -> Void {
                { o in
                    var t = o["tiers"]!.arrayValue!
                    var tier = t[index].objectValue!
                    tier[key] = value
                    t[index] = .object(tier)
                    o["tiers"] = .array(t)
                }
            }
            let cases: [(String, String)] = [
                (edited { $0["tiers"] = .array([]) }, "tiers"),
                (edited(editTier(1, "code", .string("base"))), "tiers[1].code"),
                (edited(editTier(1, "code", .string("Silver!"))), "tiers[1].code"),
                (edited { $0["defaultTier"] = .string("platinum") }, "defaultTier"),
                (edited(editTier(2, "upgradeTurnover", .string("30000.00"))), "tiers[2].upgradeTurnover"),
                (edited(editTier(2, "upgradeTurnover", .string("20000.00"))), "tiers[2].upgradeTurnover"),
                (edited(editTier(1, "variant", .string("diamond"))), "tiers"),
                (edited(editTier(1, "variant", .string("bad variant"))), "tiers[1].variant"),
                (edited(editTier(0, "name", .string("  "))), "tiers[0].name"),
                (edited { $0["currency"] = .string("rub") }, "currency"),
                (edited { $0["welcomePoints"] = .integer(-1) }, "welcomePoints"),
                (edited { $0["welcomePoints"] = .integer(Int64.max) }, "welcomePoints"),
                (edited { $0["name"] = .string("Chess\u{0}school") }, "name"),
                (edited(editTier(0, "name", .string("Base\ncritical"))), "tiers[0].name"),
                (edited { $0["pointValue"] = .string("0.00") }, "pointValue"),
                (edited { $0["name"] = .string(" ") }, "name"),
            ]
            for (body, field) in cases {
                let r = try await api.call(.put, "/program", body)
                api.expectProblem(r, .unprocessableContent, field: field, "PUT \(field)")
                #expect(try await api.get("/program").bytes == shown.bytes, "unchanged after \(field)")
            }
            api.expectProblem(try await api.call(.put, "/program", "{"), .badRequest, field: nil)
            #expect(try Data(contentsOf: file) == fileBefore, "the file is untouched")
            // The default still applies.
            let card = try await api.issueNumber("Anna", phone: Self.phone)
            #expect(try await api.apply(card, #"{"type":"purchase","amount":"1000.00"}"#)["entry"]?["points"] == .integer(50))
        }
    }

    /// A program that can't be decoded must name the field too (the API's errors carry "field").
    @Test(arguments: Engine.allCases)
    func undecodableProgramNamesTheField(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let api = LoyaltyAPI(s, client)
            let shown = try await api.get("/program")
            var o = try #require(shown.json?.objectValue)
            var tiers = try #require(o["tiers"]?.arrayValue)
            var base = try #require(tiers[0].objectValue)
            base["accrual"] = .string("5%")
            tiers[0] = .object(base)
            o["tiers"] = .array(tiers)
            let r = try await api.call(.put, "/program", String(decoding: JSONValue.object(o).serialized(), as: UTF8.self))
            api.expectProblem(r, .unprocessableContent, field: "tiers[0].accrual")
            o.removeValue(forKey: "tiers")
            let missing = try await api.call(.put, "/program", String(decoding: JSONValue.object(o).serialized(), as: UTF8.self))
            api.expectProblem(missing, .unprocessableContent, field: "tiers")
            #expect(try await api.get("/program").bytes == shown.bytes)
        }
    }

    @Test(arguments: Engine.allCases)
    func validProgramAppliesToTheNextPurchaseAndSurvivesARestart(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let api = LoyaltyAPI(s, client)
            let card = try await api.issueNumber("Anna", phone: Self.phone)
            var o = try #require(try await api.get("/program").json?.objectValue)
            var tiers = try #require(o["tiers"]?.arrayValue)
            var base = try #require(tiers[0].objectValue)
            base["accrual"] = .string("3")
            tiers[0] = .object(base)
            o["tiers"] = .array(tiers)
            o["welcomePoints"] = .integer(250)
            let put = try await api.call(.put, "/program", String(decoding: JSONValue.object(o).serialized(), as: UTF8.self))
            #expect(put.status == .ok, "\(put.text)")
            #expect(put.json?["tiers"]?.arrayValue?.first?["accrual"] == .string("3"))
            #expect(try await api.get("/program").bytes == put.bytes)

            #expect(try await api.apply(card, #"{"type":"purchase","amount":"1000.00"}"#)["entry"]?["points"] == .integer(30))
            #expect(try await api.issue("Gleb", phone: "+79160000001")["balance"] == .integer(250), "new welcome points")

            // Saved in the data directory…
            let saved = try JSONDecoder().decode(LoyaltyProgram.self, from: Data(contentsOf: s.dataDirectory.appendingPathComponent("program.json")))
            #expect(saved.tiers.first?.accrual == Percent(basisPoints: 300))
            #expect(saved.welcomePoints == 250)
            // …so a server started again on the same data directory and database uses it.
            let restarted = try await PasslineServer.prepare(configuration: s.server.configuration, database: s.server.database, logger: TestEnvironment.logger)
            #expect(restarted.loyalty.program == saved)
            try await restarted.application(logger: TestEnvironment.logger).test(.live) { client2 in
                let api2 = LoyaltyAPI(TestServer(server: restarted, dataDirectory: s.dataDirectory), client2)
                #expect(try await api2.get("/program").bytes == put.bytes)
                let r = try await api2.apply(card, #"{"type":"purchase","amount":"1000.00"}"#)
                #expect(r["entry"]?["points"] == .integer(30))
                #expect(r["balance"] == .integer(160))
            }
        }
    }

    /// docs/loyalty.md: "If a card's tier has been removed from the program, that tier counts as
    /// the lowest." A PUT that drops a tier in use is either refused, or its households keep working.
    @Test(arguments: Engine.allCases)
    func removingATierInUseDoesNotLockItsHouseholdsOut(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let api = LoyaltyAPI(s, client)
            let card = try await api.issueNumber("Anna", phone: Self.phone)
            #expect(try await api.post("/cards/\(card)/tier", #"{"tier":"silver"}"#).status == .ok)
            var o = try #require(try await api.get("/program").json?.objectValue)
            o["tiers"] = .array((o["tiers"]?.arrayValue ?? []).filter { $0["code"] != .string("silver") })
            let put = try await api.call(.put, "/program", String(decoding: JSONValue.object(o).serialized(), as: UTF8.self))
            #expect(put.status == .ok || (400..<500).contains(Int(put.status.code)), "\(put.text)")
            let accrual = try await api.transact(card, #"{"type":"accrual","points":5}"#)
            #expect(accrual.status == .created, "a household in a removed tier: \(accrual.text)")
            #expect(try await api.balance(card) == (accrual.status == .created ? 105 : 100))
        }
    }

    // MARK: supplied numbers vs. virtual ones

    /// A plastic number that looks like a household's next virtual number must not lock that
    /// household out of new cards: either the number is refused, or the household skips it.
    @Test(arguments: Engine.allCases)
    func suppliedNumberCannotBlockAHouseholdsNextVirtualNumber(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let api = LoyaltyAPI(s, client)
            let first = try await api.issueNumber("Anna", phone: Self.phone)
            #expect(first == "\(Self.digits)-1")
            let squat = try await api.post("/cards", #"{"name":"Gleb","phone":"+79160000001","number":"\#(Self.digits)-2"}"#)
            #expect(squat.status == .created || squat.status == .unprocessableContent, "\(squat.text)")
            let next = try await api.post("/cards", #"{"name":"Boris","phone":"\#(Self.phone)"}"#)
            #expect(next.status == .created, "the household's next card: \(next.text)")
            if next.status == .created {
                #expect(next.json?["number"] != .string("\(Self.digits)-2") || squat.status != .created)
                #expect(next.json?["phone"] == .string(Self.phone))
            }
        }
    }

    // MARK: history

    @Test(arguments: Engine.allCases)
    func transactionHistoryPagesNewestFirstAcrossTheHousehold(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let api = LoyaltyAPI(s, client)
            let anna = try await api.issueNumber("Anna", phone: Self.phone)
            let boris = try await api.issueNumber("Boris", phone: Self.phone)
            for (i, number) in [anna, boris, anna, boris].enumerated() {
                try await api.apply(number, #"{"type":"accrual","points":\#(i + 1)}"#)
            }
            var ids: [Int64] = []
            var points: [Int64] = []
            var cursor: String?
            var pages: [Int] = []
            repeat {
                let r = try await api.get("/cards/\(boris)/transactions?limit=2" + (cursor.map { "&cursor=\($0)" } ?? ""))
                #expect(r.status == .ok)
                #expect(r.json?["balance"] == .integer(110))
                let items = r.json?["items"]?.arrayValue ?? []
                pages.append(items.count)
                ids += items.compactMap { $0["id"]?.int64 }
                points += items.compactMap { $0["points"]?.int64 }
                cursor = r.json?["nextCursor"]?.stringValue
            } while cursor != nil && pages.count < 10
            #expect(pages == [2, 2, 1])
            #expect(ids == ids.sorted(by: >), "newest first")
            #expect(Set(ids).count == 5)
            #expect(points == [4, 3, 2, 1, 100])
            api.expectProblem(try await api.get("/cards/\(anna)/transactions?cursor=abc"), .badRequest, field: "cursor")
            api.expectProblem(try await api.get("/cards/\(anna)/transactions?limit=0"), .badRequest, field: "limit")
        }
    }

    // MARK: helpers

    static func pass(_ api: LoyaltyAPI, _ number: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> Pass {
        let r = try await api.get("/cards/\(number)/pass")
        #expect(r.status == .ok, sourceLocation: sourceLocation)
        let report = PassVerifier.verify(bytes: r.bytes)
        #expect(report.isValid, "\(report.errors)", sourceLocation: sourceLocation)
        return try #require(report.pass, sourceLocation: sourceLocation)
    }

    static func field(_ pass: Pass, _ key: String) -> Field? {
        let s = pass.structure
        let all = [s?.headerFields, s?.primaryFields, s?.secondaryFields, s?.auxiliaryFields, s?.backFields].compactMap { $0 }.flatMap { $0 }
        return all.first { $0.key == key }
    }

    static func createKey(_ api: LoyaltyAPI, scopes: [String]) async throws -> String {
        let list = scopes.map { "\"\($0)\"" }.joined(separator: ",")
        let r = try await api.post("/apikeys", #"{"name":"test key","scopes":[\#(list)]}"#)
        #expect(r.status == .created)
        return try #require(r.json?["token"]?.stringValue)
    }
}
