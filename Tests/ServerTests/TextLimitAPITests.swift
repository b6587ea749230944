import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PassBuilder
import Storage
import Testing
import TestSupport

@testable import Server

/// Texts clients send are limited in bytes and code points as well as characters, and SMS in
/// the parts providers bill; over HTTP on both databases.
@Suite struct TextLimitAPITests {
    /// One character on screen, 100,001 code points, 200,001 bytes.
    static let stacked = "a" + String(repeating: "\u{301}", count: 100_000)

    static func stacked(marks: Int) -> String { "a" + String(repeating: "\u{301}", count: marks) }

    static func json(_ value: JSONValue) -> String { String(decoding: value.serialized(), as: UTF8.self) }

    @Test(arguments: Engine.allCases)
    func stackedCombiningMarksAreRefusedWhereverAClientSendsText(_ engine: Engine) async throws {
        // The default body limit (1 MiB), so the 200 KB name reaches the field check.
        try await TestServer.run(engine, configure: { $0.maxBodyBytes = 1024 * 1024 }) { s, client in
            let api = LoyaltyAPI(s, client)
            let number = try await api.issueNumber("Анна", phone: "+7 912 345-67-89")
            let before = try await api.snapshot()

            let name = try await api.post("/cards", Self.json(.object(["name": .string(Self.stacked), "phone": .string("+7 912 000-00-01")])))
            api.expectProblem(name, .unprocessableContent, field: "name")
            #expect(name.detail?.contains("bytes of UTF-8") == true, "\(name.text)")

            let comment = try await api.transact(number, Self.json(.object(["type": .string("accrual"), "points": .integer(1), "comment": .string(Self.stacked(marks: 1000))])))
            api.expectProblem(comment, .unprocessableContent, field: "comment")
            let externalID = try await api.post("/cards", Self.json(.object(["name": .string("Борис"), "phone": .string("+7 912 000-00-02"), "externalId": .string(Self.stacked(marks: 300))])))
            api.expectProblem(externalID, .unprocessableContent, field: "externalId")
            #expect(try await api.snapshot() == before, "nothing was written")

            let broadcast = try await api.post("/broadcasts", Self.json(.object(["message": .string(Self.stacked(marks: 400)), "audience": .object(["type": .string("all")])])))
            api.expectProblem(broadcast, .unprocessableContent, field: "message")
            #expect(try await api.count("SELECT COUNT(*) FROM broadcasts") == 0)

            let pass = try await api.post("/passes", Self.json(.object(["template": .string("loyalty"), "values": .object(["holderName": .string(Self.stacked(marks: 5000))])])))
            api.expectProblem(pass, .unprocessableContent, field: "values.holderName")
            #expect(try await api.count("SELECT COUNT(*) FROM passes") == before.passes)
        }
    }

    @Test(arguments: Engine.allCases)
    func businessKeysAreNeverTrimmed(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let api = LoyaltyAPI(s, client)
            let number = try await api.issueNumber("Анна", phone: "+7 912 345-67-89")
            let before = try await api.snapshot()
            for key in [" deal:1", "deal:1 ", "deal:1\n", "\u{A0}deal:1", "deal:1\u{7}"] {
                let r = try await api.transact(number, Self.json(.object(["type": .string("accrual"), "points": .integer(1), "businessKey": .string(key)])))
                api.expectProblem(r, .unprocessableContent, field: "businessKey", "\(key.unicodeScalars.map { $0.value })")
            }
            #expect(try await api.snapshot() == before, "nothing was written")
            // The key as sent is the key stored.
            let r = try await api.apply(number, #"{"type":"accrual","points":1,"businessKey":"deal:1"}"#)
            #expect(r["entry"]?["businessKey"] == .string("deal:1"))
        }
    }

    @Test(arguments: Engine.allCases)
    func programTextsAreLimitedAndSmsTextsInParts(_ engine: Engine) async throws {
        try await DistributionServer.run(engine) { d in
            let current = try #require(try await d.api.get("/program").json)
            func put(_ change: (inout [String: JSONValue]) -> Void) async throws -> Reply {
                guard case .object(var program) = current else { return try await d.api.call(.put, "/program", "") }
                change(&program)
                return try await d.api.call(.put, "/program", Self.json(.object(program)))
            }
            // 476 characters (within the 480 a text may have), but 470 of them emoji: 940 UTF-16
            // units, over 10 parts with a link.
            let emoji = "{link} " + String(repeating: "😀", count: 470)
            let tooManyParts = try await put { $0["sms"] = .object(["templates": .object(["ru": .object(["link": .string(emoji)])])]) }
            d.api.expectProblem(tooManyParts, .unprocessableContent, field: "sms.templates.ru.link")
            #expect(tooManyParts.detail?.contains("SMS parts") == true, "\(tooManyParts.text)")
            // In GSM-7 the same length is 7 parts: accepted.
            let gsm = "{link} " + String(repeating: "€", count: 470)
            #expect(try await put { $0["sms"] = .object(["templates": .object(["en": .object(["link": .string(gsm)])])]) }.status == .ok)

            let name = try await put { $0["name"] = .string(Self.stacked(marks: 300)) }
            d.api.expectProblem(name, .unprocessableContent, field: "name")
            #expect(try await d.api.get("/program").json?["name"] == current["name"])
        }
    }

    @Test(arguments: Engine.allCases)
    func theSmsBudgetChargesParts(_ engine: Engine) async throws {
        try await DistributionServer.run(engine) { d in
            try await d.configureProgram(join: nil, sms: #"{"locale":"ru","hourlyBudget":3}"#)
            let number = try await d.api.issueNumber("Анна", phone: "+7 912 345-67-89")
            // «Карта «Loyalty program» (Анна): https://passes.example.com/p/…» is 88 UCS-2 units: 2 parts.
            #expect(try await d.api.post("/cards/\(number)/sms", "").status == .accepted)
            let text = try #require(try await d.api.column("SELECT text FROM sms_outbox ORDER BY id DESC LIMIT 1").first)
            #expect(text.utf16.count > 70 && text.utf16.count <= 134, "\(text)")
            #expect(try await d.count("SELECT used FROM sms_budget") == 2)
            // One part left: the next two-part message does not fit.
            d.api.expectProblem(try await d.api.post("/cards/\(number)/sms", ""), .tooManyRequests, field: nil)
            #expect(try await d.count("SELECT COUNT(*) FROM sms_outbox") == 1)
            #expect(try await d.count("SELECT used FROM sms_budget") == 2)
        }
    }

    @Test(arguments: Engine.allCases)
    func theJoinFormRefusesStackedNames(_ engine: Engine) async throws {
        try await DistributionServer.run(engine) { d in
            try await d.configureProgram()
            // 2,000 marks: within the form's 16 KB, over the name's code points.
            let fields = [("lang", "ru"), ("name", Self.stacked(marks: 2000)), ("phone", "8 (912) 345-67-89"), ("consent", "yes"), ("website", "")]
            let r = try await d.postForm("/join", fields)
            #expect(r.status == .unprocessableContent, "\(r.status)")
            #expect(try await d.count("SELECT COUNT(*) FROM sms_outbox") == 0)
            #expect(try await d.count("SELECT COUNT(*) FROM join_requests") == 0)
        }
    }
}
