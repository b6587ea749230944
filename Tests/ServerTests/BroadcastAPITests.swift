import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PassBuilder
import Storage
import Testing
import TestSupport

@testable import Server

/// `/api/v1/broadcasts` over a live server on both databases: the runner started with the
/// server finishes broadcasts, passes show the message, devices' fetches are counted, bad input
/// is refused whole.
@Suite struct BroadcastAPITests {
    /// Polls the broadcast until `done` (or a final state); fails after 60 s.
    static func finished(_ api: LoyaltyAPI, _ id: Int64, until: @escaping @Sendable (JSONValue) -> Bool = { $0["state"]?.stringValue == "done" },
                         sourceLocation: SourceLocation = #_sourceLocation) async throws -> JSONValue {
        let deadline = ContinuousClock.now + .seconds(60)
        while true {
            let r = try await api.get("/broadcasts/\(id)")
            #expect(r.status == .ok, "\(r.text)", sourceLocation: sourceLocation)
            let json = try #require(r.json, sourceLocation: sourceLocation)
            if until(json) { return json }
            if ["cancelled", "failed"].contains(json["state"]?.stringValue ?? "") || ContinuousClock.now > deadline {
                Issue.record("broadcast \(id) did not get there: \(r.text)", sourceLocation: sourceLocation)
                return json
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// The promo field's value in the card's signed pass.
    static func promo(_ api: LoyaltyAPI, _ number: String) async throws -> String? {
        let r = try await api.get("/cards/\(number)/pass")
        let archive = try PassArchive(bytes: r.bytes)
        let passJSON = try #require(archive.entries.first { $0.name == "pass.json" })
        let pass = try JSONValue(parsing: passJSON.data)
        let fields = pass["storeCard"]?["backFields"]?.arrayValue ?? []
        return fields.first { $0["key"]?.stringValue == "promo" }?["value"]?.stringValue
    }

    @Test(arguments: Engine.allCases)
    func pointsAndMessageReachEveryCardOnce(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let api = LoyaltyAPI(s, client)
            let anna = try await api.issueNumber("Anna", phone: "+79123456789")
            let boris = try await api.issueNumber("Boris", phone: "+79123456789")
            let vera = try await api.issueNumber("Vera", phone: "+79120000002")
            let before = try await api.balance(anna)
            #expect(try await Self.promo(api, anna) == "")
            // Vera's phone is on a device.
            let veraSerial = try #require(try await api.card(vera)["serialNumber"]?.stringValue)
            let register = try await client.execute(
                uri: "/v1/devices/dev-vera/registrations/\(s.passType)/\(veraSerial)", method: .post, headers: s.appleAuth(veraSerial),
                body: ByteBuffer(string: #"{"pushToken":"\#(pushTokenA)"}"#))
            #expect(register.status == .created)

            let body = #"{"message":{"ru":"Турнир в субботу","en":"Tournament on Saturday"},"points":100,"audience":{"type":"all"}}"#
            let created = try await api.post("/broadcasts", body)
            #expect(created.status == .accepted, "\(created.text)")
            let id = try #require(created.json?["id"]?.int64)
            #expect(created.headers[.location] == "/api/v1/broadcasts/\(id)")
            #expect(created.json?["targetedHouseholds"]?.int64 == 2 && created.json?["targetedCards"]?.int64 == 3)

            let done = try await Self.finished(api, id)
            #expect(done["householdsGranted"]?.int64 == 2 && done["cardsUpdated"]?.int64 == 3 && done["pushesRecorded"]?.int64 == 1, "\(done)")
            #expect(done["percent"] == .number(100) || done["percent"] == .integer(100))
            let (annaAfter, borisAfter) = (try await api.balance(anna), try await api.balance(boris))
            #expect(annaAfter == before + 100 && borisAfter == before + 100, "one grant per household")
            #expect(try await api.ledgerSum(anna) == annaAfter)
            #expect(try await Self.promo(api, boris) == "Tournament on Saturday\nТурнир в субботу")

            // The device learns of the change and fetches the pass: counted towards the broadcast.
            let serials = try await client.execute(uri: "/v1/devices/dev-vera/registrations/\(s.passType)", method: .get)
            #expect(serials.json?["serialNumbers"]?.arrayValue == [.string(veraSerial)])
            let fetched = try await client.execute(uri: "/v1/passes/\(s.passType)/\(veraSerial)", method: .get, headers: s.appleAuth(veraSerial))
            #expect(fetched.status == .ok)
            let counted = try await Self.finished(api, id) { ($0["fetched"]?.int64 ?? 0) >= 1 }
            #expect(counted["fetched"]?.int64 == 1)

            // A second broadcast replaces the promo text; the first's grant stays single.
            let second = try await api.post("/broadcasts", #"{"message":"Free lesson","audience":{"type":"cards","cards":["\#(vera)"]}}"#)
            let secondID = try #require(second.json?["id"]?.int64)
            _ = try await Self.finished(api, secondID)
            #expect(try await Self.promo(api, vera) == "Free lesson")
            #expect(try await Self.promo(api, anna) == "Tournament on Saturday\nТурнир в субботу", "not in the audience")
            #expect(try await api.count("SELECT COUNT(*) FROM ledger_entries WHERE kind = 'broadcast'") == 2)
        }
    }

    @Test(arguments: Engine.allCases)
    func idempotencyKeyAndCancel(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let api = LoyaltyAPI(s, client)
            _ = try await api.issueNumber("Anna", phone: "+79123456789")
            let body = #"{"message":"Hi","points":5,"audience":{"type":"all"}}"#
            let first = try await api.post("/broadcasts", body, headers: [IdempotencyMiddleware.header: "promo-1"])
            let again = try await api.post("/broadcasts", body, headers: [IdempotencyMiddleware.header: "promo-1"])
            #expect(first.status == .accepted && again.status == .accepted)
            #expect(first.json?["id"] == again.json?["id"])
            #expect(again.headers[.idempotentReplayed] == "true" && first.headers[.idempotentReplayed] == nil)
            let other = try await api.post("/broadcasts", #"{"message":"Other","audience":{"type":"all"}}"#, headers: [IdempotencyMiddleware.header: "promo-1"])
            api.expectProblem(other, .conflict, field: "Idempotency-Key")
            let inBody = try await api.post("/broadcasts", #"{"message":"Hi","audience":{"type":"all"},"idempotencyKey":"k2"}"#)
            let inBodyAgain = try await api.post("/broadcasts", #"{"message":"Hi","audience":{"type":"all"},"idempotencyKey":"k2"}"#)
            #expect(inBody.json?["id"] == inBodyAgain.json?["id"])
            #expect(try await api.count("SELECT COUNT(*) FROM broadcasts") == 2)

            let id = try #require(first.json?["id"]?.int64)
            _ = try await Self.finished(api, id)
            #expect(try await api.count("SELECT COUNT(*) FROM ledger_entries WHERE kind = 'broadcast'") == 1, "the replay granted nothing")
            api.expectProblem(try await api.post("/broadcasts/\(id)/cancel", ""), .conflict, field: nil, "a done broadcast can't be cancelled")
            api.expectProblem(try await api.post("/broadcasts/999/cancel", ""), .notFound, field: nil)
            api.expectProblem(try await api.get("/broadcasts/999"), .notFound, field: nil)
            api.expectProblem(try await api.get("/broadcasts/abc"), .notFound, field: nil)
        }
    }

    @Test(arguments: Engine.allCases)
    func badInputIsRefusedAndWritesNothing(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let api = LoyaltyAPI(s, client)
            _ = try await api.issueNumber("Anna", phone: "+79123456789")
            let long = String(repeating: "x", count: 151)
            let cases: [(String, String)] = [
                (#"{"message":"Hi","audience":{"type":"tiers","tiers":["gold"]}}"#, "audience"),  // nobody is gold: empty
                (#"{"message":"Hi","audience":{"type":"phones","csv":"phone\n+79555555555\n"}}"#, "audience"),
                (#"{"message":"\#(long)","audience":{"type":"all"}}"#, "message"),
                (#"{"message":{"de":"Hallo"},"audience":{"type":"all"}}"#, "message.de"),
                (#"{"message":"Hi","audience":{"type":"tiers","tiers":["platinum"]}}"#, "audience.tiers"),
                (#"{"message":"Hi","audience":{"type":"phones","csv":"phone\n+79123456789\nnonsense\n"}}"#, "audience.csv"),
                (#"{"message":"Hi","points":-1,"audience":{"type":"all"}}"#, "points"),
                (#"{"message":"Hi"}"#, "audience"),
            ]
            for (body, field) in cases {
                api.expectProblem(try await api.post("/broadcasts", body), .unprocessableContent, field: field, "\(body)")
            }
            let csv = try await api.post("/broadcasts", #"{"message":"Hi","audience":{"type":"phones","csv":"phone\n+79123456789\nnonsense\n+7 912\n"}}"#)
            #expect(csv.detail?.contains("line 3: nonsense") == true && csv.detail?.contains("line 4: +7 912") == true, "\(csv.text)")
            api.expectProblem(try await api.post("/broadcasts", "[1]"), .badRequest, field: nil)
            #expect(try await api.count("SELECT COUNT(*) FROM broadcasts") == 0)
            #expect(try await api.count("SELECT COUNT(*) FROM broadcast_targets") == 0)

            // The scope: a crm key may not broadcast.
            let key = try await api.post("/apikeys", #"{"name":"crm","scopes":["crm"]}"#)
            let token = try #require(key.json?["token"]?.stringValue)
            api.expectProblem(try await api.with(token: token).post("/broadcasts", #"{"message":"Hi","audience":{"type":"all"}}"#), .forbidden, field: nil)
        }
    }
}
