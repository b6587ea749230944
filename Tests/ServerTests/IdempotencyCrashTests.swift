import Foundation
import Storage
import Testing
import TestSupport

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

@testable import Server

/// Keyed requests of every idempotent route, cut by `kill -9` of a real server: after a restart,
/// a retry of each key with the same body ends 2xx, and each effect happened exactly once.
@Suite(.serialized) struct IdempotencyCrashTests {
    static let admin = "crash-test-admin-token-0123"
    static let workers = 16
    /// Answers received before the kill: the rest of the workers' requests are in flight.
    static let answersBeforeKill = 60

    /// One keyed request as it was sent (and will be retried).
    struct Sent: Sendable {
        enum Kind: Sendable { case accrual, card, link, sms, broadcast }
        var kind: Kind
        var key: String
        var path: String
        var body: String
    }

    /// The requests sent, whether or not an answer came back.
    actor Journal {
        var sent: [Sent] = []
        var answered = 0
        func record(_ s: Sent) { sent.append(s) }
        func answer() { answered += 1 }
    }

    struct Client: Sendable {
        let port: Int
        let session: URLSession = {
            let configuration = URLSessionConfiguration.ephemeral
            configuration.timeoutIntervalForRequest = 60
            return URLSession(configuration: configuration)
        }()

        func post(_ path: String, _ body: String, key: String? = nil) async throws -> (status: Int, body: String, replayed: Bool) {
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
            request.httpMethod = "POST"
            request.httpBody = Data(body.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.setValue("Bearer \(IdempotencyCrashTests.admin)", forHTTPHeaderField: "Authorization")
            if let key { request.setValue(key, forHTTPHeaderField: "Idempotency-Key") }
            let (data, response) = try await session.data(for: request)
            let http = response as! HTTPURLResponse
            return (http.statusCode, String(decoding: data, as: UTF8.self), http.value(forHTTPHeaderField: "Idempotent-Replayed") == "true")
        }
    }

    static func request(_ i: Int, worker: Int, cards: [String]) -> Sent {
        let key = "crash-\(worker)-\(i)"
        let card = cards[(worker + i) % cards.count]
        switch i % 20 {
        case 5:
            return Sent(kind: .sms, key: key, path: "/api/v1/cards/\(card)/sms", body: "{}")
        case 10:
            return Sent(kind: .link, key: key, path: "/api/v1/cards/\(card)/link", body: #"{"household":true}"#)
        case 15:
            return Sent(kind: .broadcast, key: key, path: "/api/v1/broadcasts", body: #"{"message":"crash \#(key)","audience":{"type":"cards","cards":["\#(card)"]}}"#)
        case let n where n % 3 == 0:
            let phone = String(format: "+7912%03d%04d", worker, i)
            return Sent(kind: .card, key: key, path: "/api/v1/cards", body: #"{"name":"Crash \#(key)","phone":"\#(phone)","externalId":"\#(key)"}"#)
        default:
            return Sent(kind: .accrual, key: key, path: "/api/v1/cards/\(card)/transactions", body: #"{"type":"accrual","points":\#(i + 1),"comment":"\#(key)"}"#)
        }
    }

    @Test(arguments: Engine.allCases)
    func keyedRequestsCutByAKillEndExactlyOnce(_ engine: Engine) async throws {
        let dir = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = try await TestEnvironment.databaseURL(engine, in: dir)
        let environment = [
            "PASSLINE_DATABASE_URL": url, "PASSLINE_DATA_DIR": dir.path, "PASSLINE_HTTP_PORT": "0",
            "PASSLINE_TEMPLATES": TestEnvironment.repoRoot.appendingPathComponent("PassTemplates").path,
            "PASSLINE_PASS_CERT": TestEnvironment.pkiDirectory + "/pass.pem", "PASSLINE_PASS_KEY": TestEnvironment.pkiDirectory + "/pass.key",
            "PASSLINE_WWDR_CERT": TestEnvironment.pkiDirectory + "/wwdr.pem", "PASSLINE_ADMIN_TOKEN": Self.admin,
            "PASSLINE_APNS_URL": "off",
        ]
        let first = try await ServerProcess.start(environment: environment, log: dir.appendingPathComponent("first.log").path)
        var cards: [String] = []
        do {
            let client = Client(port: first.port)
            for i in 0..<4 {
                let made = try await client.post("/api/v1/cards", #"{"name":"Holder \#(i)","phone":"+7900000000\#(i)"}"#)
                #expect(made.status == 201, "\(made.body)")
                cards.append(try #require(JSONSerialization.jsonObject(with: Data(made.body.utf8)) as? [String: Any])["number"] as! String)
            }
        } catch {
            first.stop()
            throw error
        }

        // Workers send keyed requests until the server dies under them.
        let journal = Journal()
        let client = Client(port: first.port)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<Self.workers {
                group.addTask { [cards] in
                    for i in 0... {
                        let sent = Self.request(i, worker: worker, cards: cards)
                        await journal.record(sent)
                        do {
                            let answer = try await client.post(sent.path, sent.body, key: sent.key)
                            #expect((200...202).contains(answer.status), "before the kill: \(sent.path) \(answer.status) \(answer.body)")
                            await journal.answer()
                        } catch {
                            return // the server is gone
                        }
                    }
                }
            }
            while await journal.answered < Self.answersBeforeKill { try await Task.sleep(for: .milliseconds(5)) }
            first.kill9()
            try await group.waitForAll()
        }
        let sent = await journal.sent
        let answered = await journal.answered
        #expect(sent.count > answered, "requests were in flight at the kill (\(sent.count) sent, \(answered) answered)")

        // After a restart every key answers 2xx, and again the same answer, replayed.
        let second = try await ServerProcess.start(environment: environment, log: dir.appendingPathComponent("second.log").path)
        do {
            let client = Client(port: second.port)
            var replayed = 0
            defer { print("IdempotencyCrashTests \(engine): \(sent.count) sent, \(answered) answered before the kill, \(replayed) retries replayed") }
            for s in sent {
                let retry = try await client.post(s.path, s.body, key: s.key)
                if retry.replayed { replayed += 1 }
                #expect((200...202).contains(retry.status), "retry of \(s.key) \(s.path): \(retry.status) \(retry.body)")
                let again = try await client.post(s.path, s.body, key: s.key)
                #expect(again.replayed && again.status == retry.status && again.body == retry.body, "second retry of \(s.key) replays the first")
            }
        } catch {
            second.stop()
            throw error
        }
        second.stop()

        // Each effect exactly once.
        try await PasslineServer.withDatabase(url: url, logger: TestEnvironment.logger) { db in
            try await db.read { conn in
                func count(_ sql: String, _ binds: [SQLValue]) async throws -> Int64 { try await conn.query(sql, binds).first?.int(0) ?? -1 }
                for s in sent {
                    switch s.kind {
                    case .accrual:
                        #expect(try await count("SELECT COUNT(*) FROM ledger_entries WHERE comment = $1", [.text(s.key)]) == 1, "accrual \(s.key)")
                    case .card:
                        #expect(try await count("SELECT COUNT(*) FROM cards WHERE external_id = $1", [.text(s.key)]) == 1, "card \(s.key)")
                    case .link, .sms, .broadcast:
                        break
                    }
                }
                let sms = sent.filter { $0.kind == .sms }.count
                #expect(try await count("SELECT COUNT(*) FROM sms_outbox", []) == Int64(sms), "one message per SMS key")
                let broadcasts = sent.filter { $0.kind == .broadcast }.count
                #expect(try await count("SELECT COUNT(*) FROM broadcasts", []) == Int64(broadcasts), "one broadcast per key")
                let drift = try await count(
                    "SELECT COUNT(*) FROM accounts a WHERE a.balance <> (SELECT COALESCE(SUM(points), 0) FROM ledger_entries e WHERE e.account_id = a.id)", [])
                #expect(drift == 0, "every balance equals its ledger")
            }
        }
    }
}
