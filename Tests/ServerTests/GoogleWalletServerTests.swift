import Core
import Foundation
import Loyalty
import GoogleWallet
import GoogleWalletMock
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PassBuilder
import Storage
import Synchronization
import Testing
import TestSupport

@testable import Server

/// Google Wallet end to end: a real server on both databases, the mock Google Wallet over HTTP.
@Suite(.serialized) struct GoogleWalletServerTests {
    static let issuer = "3388000000012345678"

    struct Fixture: Sendable {
        let s: TestServer
        let client: any TestClientProtocol
        let mock: GoogleWalletMockServer
        var api: LoyaltyAPI { LoyaltyAPI(s, client) }
        var google: GoogleWalletService { s.server.google! }

        func objectID(_ number: String) -> String { "\(GoogleWalletServerTests.issuer).\(number)" }
        func object(_ number: String) -> MockJSON? { mock.with { $0.objects[objectID(number)] } }

        /// Runs the outbox until nothing is due now (the worker does this in the background too).
        func drain() async { await GoogleWalletWorker(google: google).runOnce() }

        /// Waits until `condition` holds of the mock, draining the outbox meanwhile.
        func eventually(_ what: String, _ condition: @Sendable () -> Bool, sourceLocation: SourceLocation = #_sourceLocation) async throws {
            for _ in 0..<100 {
                if condition() { return }
                await drain()
                try await Task.sleep(for: .milliseconds(50))
            }
            Issue.record("never: \(what)", sourceLocation: sourceLocation)
        }
    }

    static func withGoogle(
        _ engine: Engine, callbacks: Bool = true, _ body: @Sendable @escaping (Fixture) async throws -> Void
    ) async throws {
        let account = try MockServiceAccount.generate()
        let mock = GoogleWalletMockServer(wallet: MockWallet(issuerID: issuer))
        mock.with { $0.register(account) }
        let keys = try GoogleCallbackKeys(json: mock.signer.withLock { $0.keysJSON() })
        try await mock.withRunning(logger: TestEnvironment.logger) { endpoints in
            let configuration = GoogleWalletConfiguration(
                issuerID: GoogleIssuerID(issuer)!, account: try GoogleServiceAccount(json: account.keyFile),
                origins: ["https://passes.example.com"], apiURL: endpoints.apiURL, tokenURL: endpoints.tokenURL,
                callbackKeys: callbacks ? keys : nil)
            try await TestServer.run(engine, configure: { $0.google = configuration }) { s, client in
                try await body(Fixture(s: s, client: client, mock: mock))
            }
        }
    }

    // MARK: classes and objects

    @Test(arguments: Engine.allCases)
    func aCardIsInsertedAndFollowsItsBalanceTierAndStatus(_ engine: Engine) async throws {
        try await Self.withGoogle(engine) { f in
            // Classes: one per variant of the loyalty template, from its pass.json and strings.
            #expect(await f.google.syncClasses())
            let classes = f.mock.with { $0.classes }
            let defaultClass = try #require(classes["\(Self.issuer).loyalty-default"])
            #expect(defaultClass["issuerName"]?.stringValue == "Шахматная школа «Гамбит»")
            #expect(defaultClass["hexBackgroundColor"]?.stringValue == "#263238")
            #expect(defaultClass["programLogo"]?["sourceUri"]?["uri"]?.stringValue?.hasPrefix("https://passes.example.com/google/images/loyalty/default/logo") == true)
            #expect(defaultClass["localizedIssuerName"]?["translatedValues"]?.arrayValue?.first?["value"]?.stringValue == "Chess school Gambit" ||
                    defaultClass["localizedIssuerName"]?["translatedValues"] != nil)
            #expect(classes.count == f.google.mapping.variants.count)
            let links = defaultClass["linksModuleData"]?["uris"]?.arrayValue?.compactMap { $0["uri"]?.stringValue } ?? []
            #expect(links.contains("https://gambit-chess.example"))
            #expect(links.contains("tel:+74950000000"))
            let modules = defaultClass["textModulesData"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
            #expect(modules.contains("rules") && !modules.contains("promo"), "per-card fields belong to the object: \(modules)")
            // What Google can't show is said once, at start.
            #expect(f.google.mapping.unmapped().contains { $0.hasPrefix("foregroundColor/labelColor") })
            #expect(GoogleWalletMapping.hexColor("rgb(38, 50, 56)") == "#263238")
            #expect(GoogleWalletMapping.hexColor("rgb(300, 0, 0)") == nil)
            // Again: 409, then an update.
            #expect(await f.google.syncClasses())
            #expect(f.mock.with { $0.count(.classUpdate) } >= classes.count)

            let number = try await f.api.issueNumber("Anna Petrova", phone: "+7 916 555-01-01")
            try await f.eventually("the object is inserted") { f.object(number) != nil }
            let object = try #require(f.object(number))
            #expect(object["accountId"]?.stringValue == number)
            #expect(object["accountName"]?.stringValue == "Anna Petrova")
            #expect(object["state"]?.stringValue == "ACTIVE")
            #expect(object["barcode"]?["value"]?.stringValue == number)
            let opening = try await f.api.balance(number) // the program's welcome points, if any
            #expect(object["loyaltyPoints"]?["balance"]?["int"]?.intValue == opening)

            try await f.api.apply(number, #"{"type":"purchase","amount":"1500.00","businessKey":"g:1"}"#)
            let balance = try await f.api.balance(number)
            #expect(balance > opening)
            try await f.eventually("the balance is patched") { f.object(number)?["loyaltyPoints"]?["balance"]?["int"]?.intValue == balance }

            #expect(try await f.api.post("/cards/\(number)/block", "").status == .ok)
            try await f.eventually("blocked is INACTIVE") { f.object(number)?["state"]?.stringValue == "INACTIVE" }
            #expect(try await f.api.post("/cards/\(number)/unblock", "").status == .ok)
            try await f.eventually("unblocked is ACTIVE") { f.object(number)?["state"]?.stringValue == "ACTIVE" }
            // The worker in the background may hold the row while it records the send: wait for it.
            var state = ""
            for _ in 0..<200 {
                state = try await f.google.store.object(cardNumber: number)?.syncState ?? ""
                if state == "synced" { break }
                await f.drain()
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(state == "synced")
        }
    }

    @Test(arguments: Engine.allCases)
    func googleDownThenBackCatchesUpAndALostObjectIsInsertedAgain(_ engine: Engine) async throws {
        try await Self.withGoogle(engine) { f in
            let number = try await f.api.issueNumber("Ivan", phone: "+7 916 555-02-02")
            try await f.eventually("inserted") { f.object(number) != nil }
            f.mock.with { $0.down = true }
            for i in 1...3 { try await f.api.apply(number, #"{"type":"purchase","amount":"100.00","businessKey":"down:\#(i)"}"#) }
            await f.drain()
            // The background worker may still be recording its own failed attempt: wait for it.
            for _ in 0..<100 where try await f.google.store.object(cardNumber: number)?.lastError == nil {
                await f.drain()
                try await Task.sleep(for: .milliseconds(50))
            }
            let waiting = try #require(try await f.google.store.object(cardNumber: number))
            #expect(waiting.syncState == "pending")
            #expect(waiting.lastError != nil)
            #expect(waiting.dueAt != nil)
            // Apple's side went on: the balance is there.
            let balance = try await f.api.balance(number)
            f.mock.with { $0.down = false }
            // Due again after the back-off: make it due now rather than wait.
            _ = try await f.s.server.database.transaction { db in try await db.query("UPDATE google_objects SET due_at = 0") }
            try await f.eventually("caught up") { f.object(number)?["loyaltyPoints"]?["balance"]?["int"]?.intValue == balance }

            // Google lost it: the next change inserts it again.
            f.mock.with { $0.deleteObject(f.objectID(number)) }
            try await f.api.apply(number, #"{"type":"purchase","amount":"100.00","businessKey":"lost"}"#)
            let after = try await f.api.balance(number)
            try await f.eventually("re-inserted") { f.object(number)?["loyaltyPoints"]?["balance"]?["int"]?.intValue == after }
        }
    }

    /// What Google must get is in the database from the change's commit on: a server that stops
    /// with Google unreachable leaves it to the next one.
    @Test(arguments: Engine.allCases)
    func whatWasDueSurvivesARestart(_ engine: Engine) async throws {
        let account = try MockServiceAccount.generate()
        let mock = GoogleWalletMockServer(wallet: MockWallet(issuerID: Self.issuer))
        mock.with { $0.register(account) }
        let dir = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = try await TestEnvironment.databaseURL(engine, in: dir)
        try await mock.withRunning(logger: TestEnvironment.logger) { endpoints in
            let configuration = GoogleWalletConfiguration(
                issuerID: GoogleIssuerID(Self.issuer)!, account: try GoogleServiceAccount(json: account.keyFile),
                apiURL: endpoints.apiURL, tokenURL: endpoints.tokenURL)
            mock.with { $0.down = true }
            let number = Mutex("")
            try await TestServer.run(engine, databaseURL: url, dataDirectory: dir, configure: { $0.google = configuration }) { s, client in
                let api = LoyaltyAPI(s, client)
                let issued = try await api.issueNumber("Egor", phone: "+7 916 555-09-09")
                try await api.apply(issued, #"{"type":"purchase","amount":"700.00","businessKey":"restart"}"#)
                number.withLock { $0 = issued }
            }
            let card = number.withLock { $0 }
            #expect(mock.with { $0.objects.isEmpty })
            mock.with { $0.down = false }
            try await TestServer.run(engine, databaseURL: url, dataDirectory: dir, configure: { $0.google = configuration }) { s, client in
                let f = Fixture(s: s, client: client, mock: mock)
                _ = try await s.server.database.transaction { db in try await db.query("UPDATE google_objects SET due_at = 0") } // skip the back-off
                let balance = try await f.api.balance(card)
                try await f.eventually("the next server sends it") { f.object(card)?["loyaltyPoints"]?["balance"]?["int"]?.intValue == balance }
            }
        }
    }

    // MARK: broadcasts

    @Test(arguments: Engine.allCases)
    func broadcastsAddMessagesNotifyingThreeTimesADay(_ engine: Engine) async throws {
        try await Self.withGoogle(engine) { f in
            let number = try await f.api.issueNumber("Olga", phone: "+7 916 555-03-03")
            try await f.eventually("inserted") { f.object(number) != nil }
            for i in 1...4 {
                let r = try await f.api.post("/broadcasts", #"{"message":"Tournament \#(i)","audience":{"type":"all"}}"#)
                #expect(r.status == .accepted, "\(r.text)")
                let id = try #require(r.json?["id"]?.int64)
                for _ in 0..<200 {
                    if try await f.api.get("/broadcasts/\(id)").json?["state"]?.stringValue == "done" { break }
                    try await Task.sleep(for: .milliseconds(20))
                }
                try await f.eventually("message \(i) added") { f.mock.with { $0.messages(of: f.objectID(number)).count } == i }
            }
            let messages = f.mock.with { $0.messages(of: f.objectID(number)) }
            #expect(messages.map { $0["messageType"]?.stringValue } == ["TEXT_AND_NOTIFY", "TEXT_AND_NOTIFY", "TEXT_AND_NOTIFY", "TEXT"])
            #expect(messages.last?["body"]?.stringValue == "Tournament 4")
            #expect(messages.first?["header"]?.stringValue == "Гамбит")
        }
    }

    // MARK: save links

    @Test(arguments: Engine.allCases)
    func theSaveLinkHoldsOnlyIdsOfAnInsertedObject(_ engine: Engine) async throws {
        try await Self.withGoogle(engine) { f in
            let number = try await f.api.issueNumber("Maria", phone: "+7 916 555-04-04")
            // Asked for before the worker got to it: inserted on the spot.
            let r = try await f.api.get("/cards/\(number)/google")
            #expect(r.status == .ok, "\(r.text)")
            let json = try #require(r.json)
            let url = try #require(json["saveUrl"]?.stringValue)
            #expect(url.hasPrefix("https://pay.google.com/gp/v/save/"))
            #expect(url.count < 1800)
            #expect(json["objectId"]?.stringValue == f.objectID(number))
            #expect(json["syncState"]?.stringValue == "synced")
            #expect(f.object(number) != nil)
            // The JWT's payload: ids only, for this issuer's service account and origins.
            let parts = String(url.dropFirst("https://pay.google.com/gp/v/save/".count)).split(separator: ".")
            #expect(parts.count == 3)
            let claims = try JSONValue(parsing: Array(try #require(Base64URL.decode(String(parts[1])))))
            #expect(claims["aud"]?.stringValue == "google")
            #expect(claims["typ"]?.stringValue == "savetowallet")
            #expect(claims["origins"]?.arrayValue?.compactMap(\.stringValue) == ["https://passes.example.com"])
            let objects = try #require(claims["payload"]?["loyaltyObjects"]?.arrayValue)
            #expect(objects.count == 1)
            #expect(Set(objects[0].objectValue?.keys.map { $0 } ?? []) == ["id", "classId"])

            #expect(try await f.api.get("/cards/0000/google").status == .notFound)
            f.mock.with { $0.down = true }
            let other = try await f.api.issueNumber("Pavel", phone: "+7 916 555-05-05")
            #expect(try await f.api.get("/cards/\(other)/google").status == .serviceUnavailable)
        }
    }

    @Test func aBadGoogleSettingStopsTheStartWithOneLine() throws {
        let dir = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let key = dir.appendingPathComponent("key.json")
        try Data(try MockServiceAccount.generate().keyFile).write(to: key)
        func refusal(_ environment: [String: String]) -> String? {
            do { _ = try ServerConfiguration.load(environment: environment); return nil } catch { return error.description }
        }
        let notNumeric = refusal(["PASSLINE_GOOGLE_ISSUER_ID": "issuer-1", "PASSLINE_GOOGLE_SERVICE_ACCOUNT": key.path])
        #expect(notNumeric?.contains("PASSLINE_GOOGLE_ISSUER_ID") == true, "\(notNumeric ?? "accepted")")
        let alone = refusal(["PASSLINE_GOOGLE_ISSUER_ID": Self.issuer])
        #expect(alone?.contains("PASSLINE_GOOGLE_SERVICE_ACCOUNT") == true, "\(alone ?? "accepted")")
        let garbage = dir.appendingPathComponent("garbage.json")
        try Data("{\"type\":\"service_account\",\"private_key\":\"-----BEGIN PRIVATE KEY-----\\nnot a key\"}".utf8).write(to: garbage)
        let badKey = refusal(["PASSLINE_GOOGLE_ISSUER_ID": Self.issuer, "PASSLINE_GOOGLE_SERVICE_ACCOUNT": garbage.path])
        #expect(badKey != nil && badKey?.contains("\n") == false && badKey?.contains("not a key") == false, "\(badKey ?? "accepted")")
        for line in [notNumeric, alone, badKey].compactMap({ $0 }) { #expect(!line.contains("\n")) }
        let on = try ServerConfiguration.load(environment: ["PASSLINE_GOOGLE_ISSUER_ID": Self.issuer, "PASSLINE_GOOGLE_SERVICE_ACCOUNT": key.path])
        #expect(on.google?.issuerID.value == Self.issuer)
        #expect(try ServerConfiguration.load(environment: [:]).google == nil)
    }

    @Test func withoutGoogleNothingShows() async throws {
        try await TestServer.run(.sqlite) { s, client in
            #expect(s.server.google == nil)
            let api = LoyaltyAPI(s, client)
            let number = try await api.issueNumber("Nina", phone: "+7 916 555-06-06")
            #expect(try await api.get("/cards/\(number)/google").status == .notFound)
            #expect(try await client.execute(uri: "/google/callbacks", method: .post, body: ByteBuffer(string: "{}")).status == .notFound)
        }
    }

    // MARK: callbacks

    @Test(arguments: Engine.allCases)
    func callbacksRecordSavesAndDeletionsAndForgeriesNothing(_ engine: Engine) async throws {
        try await Self.withGoogle(engine) { f in
            let number = try await f.api.issueNumber("Sergey", phone: "+7 916 555-07-07")
            try await f.eventually("inserted") { f.object(number) != nil }
            let classID = try #require(try await f.google.store.object(cardNumber: number)?.classID)
            func post(_ body: [UInt8]) async throws -> HTTPResponse.Status {
                try await f.client.execute(uri: "/google/callbacks", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(bytes: body)).status
            }
            let save = GoogleCallbackSigner.Message(classId: classID, objectId: f.objectID(number), eventType: "save", expires: Date().addingTimeInterval(600))
            for forgery in GoogleCallbackSigner.Forgery.allCases {
                #expect(try await post(f.mock.signer.withLock { $0.forged(forgery, save, recipient: Self.issuer) }) == .badRequest, "\(forgery)")
            }
            #expect(try await f.google.store.events(cardNumber: number).isEmpty)
            #expect(try await f.google.store.object(cardNumber: number)?.saved == false)

            let signed = f.mock.signer.withLock { $0.callback(save, recipient: Self.issuer) }
            #expect(try await post(signed) == .ok)
            #expect(try await post(signed) == .ok) // a repeat: recorded once
            #expect(try await f.google.store.events(cardNumber: number).map(\.kind) == [.save])
            #expect(try await f.google.store.object(cardNumber: number)?.saved == true)

            let delete = GoogleCallbackSigner.Message(classId: classID, objectId: f.objectID(number), eventType: "del", expires: Date().addingTimeInterval(600))
            #expect(try await post(f.mock.signer.withLock { $0.callback(delete, recipient: Self.issuer) }) == .ok)
            #expect(try await f.google.store.events(cardNumber: number).map(\.kind) == [.save, .delete])
            #expect(try await f.google.store.object(cardNumber: number)?.saved == false)
        }
    }

    // MARK: the landing page

    @Test func theLandingPageOffersGoogleWalletToAndroidNotToAnIPhone() async throws {
        try await Self.withGoogle(.sqlite) { f in
            let number = try await f.api.issueNumber("Daria", phone: "+7 916 555-08-08")
            let link = try await f.api.post("/cards/\(number)/link", "{}")
            #expect(link.status == .created, "\(link.text)")
            let url = try #require(link.json?["url"]?.stringValue)
            let path = String(url.dropFirst("https://passes.example.com".count))
            let android = try await f.client.execute(
                uri: path, method: .get, headers: [.userAgent: "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36"])
            #expect(android.status == .ok)
            let page = String(buffer: android.body)
            #expect(page.contains("id=\"add-to-google-wallet\""))
            #expect(page.contains("\(path)/google"))
            let iphone = try await f.client.execute(
                uri: path, method: .get, headers: [.userAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"])
            #expect(iphone.headers[.contentType] == "application/vnd.apple.pkpass")
            let save = try await f.client.execute(uri: path + "/google", method: .get)
            #expect(save.status == .seeOther)
            #expect(save.headers[.location]?.hasPrefix("https://pay.google.com/gp/v/save/") == true)
            #expect(f.object(number) != nil)

            // A household link saves each of its cards: one JWT, every object, each inserted first.
            let second = try await f.api.issueNumber("Daria's son", phone: "+7 916 555-08-08")
            let household = try await f.api.post("/cards/\(number)/link", #"{"household":true}"#)
            #expect(household.status == .created, "\(household.text)")
            let householdPath = String(try #require(household.json?["url"]?.stringValue).dropFirst("https://passes.example.com".count))
            let both = try await f.client.execute(uri: householdPath + "/google", method: .get)
            #expect(both.status == .seeOther)
            let jwt = try #require(both.headers[.location]?.split(separator: "/").last)
            let claims = try JSONValue(parsing: Array(try #require(Base64URL.decode(String(jwt.split(separator: ".")[1])))))
            let ids = claims["payload"]?["loyaltyObjects"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
            #expect(Set(ids) == [f.objectID(number), f.objectID(second)])
            #expect(f.object(second) != nil)
        }
    }
}

/// The Google Wallet button in a real browser; runs in the test command's second pass (one at a time).
@Suite(.serialized) struct GoogleWalletBrowserTests {
    static let issuer = GoogleWalletServerTests.issuer

    /// Headless Chromium: the landing page shows "Add to Google Wallet" to an Android phone, and an
    /// iPhone gets the pass instead of a page (so no button).
    @Test func chromiumShowsTheGoogleButtonToAndroidNotToAnIPhone() async throws {
        guard let chromium = Processes.find("chromium") ?? Processes.find("chromium-browser") else {
            Issue.record("chromium is not installed: apt-get install chromium (.ci/run installs it)")
            return
        }
        guard let python = Processes.find("python3") else { Issue.record("python3 is required"); return }
        let account = try MockServiceAccount.generate()
        let mock = GoogleWalletMockServer(wallet: MockWallet(issuerID: Self.issuer))
        mock.with { $0.register(account) }
        try await mock.withRunning(logger: TestEnvironment.logger) { endpoints in
            let dir = try TestEnvironment.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let port = Receiver.closedPort()
            var configuration = TestServer.configuration(dataDirectory: dir, databaseURL: "sqlite:\(dir.appendingPathComponent("passline.sqlite").path)")
            configuration.port = port
            configuration.publicURL = "http://127.0.0.1:\(port)"
            configuration.google = GoogleWalletConfiguration(
                issuerID: GoogleIssuerID(Self.issuer)!, account: try GoogleServiceAccount(json: account.keyFile),
                origins: ["http://127.0.0.1:\(port)"], apiURL: endpoints.apiURL, tokenURL: endpoints.tokenURL)
            let config = configuration
            try await BrowserTests.serving(config) { server in
                let card = try await server.loyalty.issue(NewCard(name: "Daria", phone: try PhoneNumber(parsing: "+79165550909")))
                let link = try await server.distribution.issueLink(for: card, household: false)
                let output = dir.appendingPathComponent("google-browser.json")
                try FileManager.default.createDirectory(at: BrowserTests.screenshots, withIntermediateDirectories: true)
                let status = try await Processes.runAsync(python, [
                    TestEnvironment.repoRoot.appendingPathComponent("scripts/google-button-browser-test.py").path,
                    "--link", link.url, "--out", BrowserTests.screenshots.path, "--chromium", chromium,
                ], output: output)
                let text = try String(contentsOf: output, encoding: .utf8)
                let report = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "the script printed: \(text)")
                #expect(status == 0, "\(report["error"] ?? "?")")
                #expect((report["androidUserAgent"] as? String)?.contains("Android") == true)
                #expect(report["androidGoogleHref"] as? String == link.url + "/google")
                #expect((report["androidGoogleText"] as? String)?.contains("Google") == true)
                #expect(report["androidAppleButton"] as? Bool == true)
                #expect(report["iphoneGoogleButton"] as? Bool == false)
            }
        }
    }
}
