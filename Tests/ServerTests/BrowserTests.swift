import Bitrix24
import Bitrix24Mock
import Foundation
import Logging
import Loyalty
import PassBuilder
import Storage
import ServiceLifecycle
import Testing
import TestSupport

@testable import Distribution
@testable import Server

/// Self-registration in a real browser: headless Chromium (Debian's `chromium`) fills in /join,
/// reads the code from the dev SMS sink, confirms and lands on the card's page; the link shows a
/// computer the landing page (whose QR code, in the screenshot, zbarimg decodes to the link) and
/// gives an iPhone the pass. Driven by scripts/browser-test.py over the DevTools protocol.
/// Screenshots are kept in .build/test-output/screenshots/.
@Suite(.serialized) struct BrowserTests {
    static let screenshots = TestEnvironment.repoRoot.appendingPathComponent(".build/test-output/screenshots")

    /// Runs `body` while the server built from `config` listens (on its configured port, for the browser).
    static func serving(_ config: ServerConfiguration, _ body: @Sendable @escaping (PasslineServer) async throws -> Void) async throws {
        let logger = TestEnvironment.logger
        try await PasslineServer.withDatabase(url: config.databaseURL, logger: logger) { database in
            let server = try await PasslineServer.prepare(configuration: config, database: database, logger: logger)
            let (started, signal) = AsyncStream<Void>.makeStream()
            let app = try server.application(logger: logger) { _ in signal.finish() }
            let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                for await _ in started {}
                defer { Task { await group.triggerGracefulShutdown() } }
                try await body(server)
            }
        }
    }

    @Test func chromiumJoinsAndGetsTheCard() async throws {
        guard let chromium = Processes.find("chromium") ?? Processes.find("chromium-browser") else {
            Issue.record("chromium is not installed: apt-get install chromium (.ci/run installs it)")
            return
        }
        guard let python = Processes.find("python3") else { Issue.record("python3 is required"); return }
        let zbarimg = Processes.find("zbarimg")
        #expect(zbarimg != nil, "zbarimg is not installed: apt-get install zbar-tools")

        let dir = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let port = Receiver.closedPort()
        var configuration = TestServer.configuration(dataDirectory: dir, databaseURL: "sqlite:\(dir.appendingPathComponent("passline.sqlite").path)")
        configuration.host = "127.0.0.1"
        configuration.port = port
        configuration.publicURL = "http://127.0.0.1:\(port)"
        let config = configuration
        let base = "http://127.0.0.1:\(port)"
        try? FileManager.default.removeItem(at: Self.screenshots)
        try FileManager.default.createDirectory(at: Self.screenshots, withIntermediateDirectories: true)

        try await Self.serving(config) { server in
            var program = server.loyalty.program
            program.name = "Шахматная школа «Гамбит»"
            program.join = JoinSettings(policyURL: "https://school.example/privacy", children: 2)
            try server.loyalty.updateProgram(program)
            do {

                let output = dir.appendingPathComponent("browser.json")
                let status = try await Processes.runAsync(python, [
                    TestEnvironment.repoRoot.appendingPathComponent("scripts/browser-test.py").path, "--base", base,
                    "--sms-file", dir.appendingPathComponent("dev-sms.jsonl").path, "--out", Self.screenshots.path, "--chromium", chromium,
                ], output: output)
                let text = try String(contentsOf: output, encoding: .utf8)
                let report = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "browser-test.py printed: \(text)")
                #expect(status == 0, "browser-test.py failed: \(report["error"] ?? "?"); page: \(report["pageText"] ?? "")")
                print("browser test screenshots: \(Self.screenshots.path)")
                guard status == 0 else { return }

                // A non-iPhone browser (HeadlessChrome) got the pages.
                #expect((report["userAgent"] as? String)?.contains("iPhone") == false)
                let joined = try #require(report["joinedText"] as? String)
                #expect(joined.contains("Карта готова") && joined.contains("Анна Петрова") && joined.contains("Миша Петров"))
                let link = try #require(report["link"] as? String)
                #expect(link.hasPrefix("\(base)/p/"))
                let landing = try #require(report["landingText"] as? String)
                #expect(landing.contains("Add to Apple Wallet"), "Chromium asks for English (Accept-Language en-US)")
                #expect(report["landingButton"] as? String == "\(link)?download=1")

                // The cards exist, in one household, and the link went out by SMS.
                let cards = try await server.loyalty.ledger.cards(phone: try PhoneNumber(parsing: "+79123456789"))
                #expect(Set(cards.map(\.name)) == ["Анна Петрова", "Миша Петров"])
                let sms = try String(contentsOf: dir.appendingPathComponent("dev-sms.jsonl"), encoding: .utf8)
                for _ in 0..<100 where !(try String(contentsOf: dir.appendingPathComponent("dev-sms.jsonl"), encoding: .utf8)).contains(link) {
                    server.distribution.wake()
                    try await Task.sleep(for: .milliseconds(50))
                }
                #expect(try String(contentsOf: dir.appendingPathComponent("dev-sms.jsonl"), encoding: .utf8).contains(link), "\(sms)")

                // The iPhone got the household's passes (.pkpasses: a zip of two .pkpass).
                let download = try #require(report["download"] as? String)
                let bundle = try PassArchive(bytes: Array(try Data(contentsOf: URL(fileURLWithPath: download))))
                #expect(bundle.entries.count == 2 && bundle.entries.allSatisfy { $0.name.hasSuffix(".pkpass") })

                // The QR code as Chromium drew it decodes to the link.
                if let zbarimg, let screenshot = report["landing"] as? String {
                    let qr = dir.appendingPathComponent("zbar.txt")
                    #expect(try await Processes.runAsync(zbarimg, ["-q", "--raw", screenshot], output: qr) == 0)
                    #expect(try String(contentsOf: qr, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) == link)
                }
            }
        }
    }

    /// The card tab in a deal, in a real browser: the mock portal's record page (one site) posts
    /// the placement form into an iframe; Passline (another site) shows the tab there, and a
    /// manager debits points from it. Driven by scripts/placement-browser-test.py.
    @Test func chromiumDebitsADealInThePortalsTab() async throws {
        guard let chromium = Processes.find("chromium") ?? Processes.find("chromium-browser") else {
            Issue.record("chromium is not installed: apt-get install chromium (.ci/run installs it)")
            return
        }
        guard let python = Processes.find("python3") else { Issue.record("python3 is required"); return }
        let dir = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: Self.screenshots, withIntermediateDirectories: true)
        let mock = Bitrix24MockServer()
        let deal = mock.with { $0.addDeal(title: "Шахматы, 8 занятий", amount: "4000.00", contacts: [$0.addContact(name: "Анна", phones: ["+7 916 123-45-67"])]) }
        let logger = TestEnvironment.logger
        try await mock.withRunning(logger: logger) { base in
            let mockPort = try #require(URLComponents(string: base)?.port)
            mock.with { $0.domain = "school.bitrix24.test:\(mockPort)" }
            let port = Receiver.closedPort()
            var configuration = TestServer.configuration(dataDirectory: dir, databaseURL: "sqlite:\(dir.appendingPathComponent("passline.sqlite").path)")
            configuration.host = "127.0.0.1"
            configuration.port = port
            // A host name (not 127.0.0.1): the portal refuses loopback handlers in placement.bind.
            configuration.publicURL = "http://passline.test:\(port)"
            configuration.bitrix24.app = mock.with { OAuthApp(clientID: $0.clientID, clientSecret: $0.clientSecret, serverURL: base) }
            let config = configuration
            try await Self.serving(config) { server in
                do {

                    _ = try await server.bitrix24.install(try #require(FormFields(mock.with { $0.installForm() })))
                    try await Bitrix24InstallTests.eventually("the tab is bound") { mock.with { $0.placements.count == 2 } }
                    let card = try await server.loyalty.issue(NewCard(name: "Анна", phone: try PhoneNumber(parsing: "+79161234567")))
                    let before = try await server.loyalty.apply(.accrual(points: 600), cardNumber: card.number, businessKey: "seed", comment: nil).card.balance

                    let output = dir.appendingPathComponent("placement.json")
                    let status = try await Processes.runAsync(python, [
                        TestEnvironment.repoRoot.appendingPathComponent("scripts/placement-browser-test.py").path,
                        "--record", "http://school.bitrix24.test:\(mockPort)/crm/deal/details/\(deal)/", "--points", "100",
                        "--map", "passline.test", "--map", "school.bitrix24.test", "--out", Self.screenshots.path, "--chromium", chromium,
                    ], output: output)
                    let text = try String(contentsOf: output, encoding: .utf8)
                    let report = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "placement-browser-test.py printed: \(text)")
                    #expect(status == 0, "placement-browser-test.py failed: \(report["error"] ?? "?")")
                    guard status == 0 else { return }
                    #expect(report["topOrigin"] as? String == "http://school.bitrix24.test:\(mockPort)")
                    #expect((report["tabURL"] as? String)?.hasPrefix("http://passline.test:\(port)/bitrix24/placement") == true)
                    let tab = try #require(report["tabText"] as? String)
                    #expect(tab.contains(card.number) && tab.contains(String(before)) && tab.contains("Карта лояльности"), "\(tab)")
                    #expect(report["cookies"] as? String == "", "the tab needs no cookies")
                    #expect((report["afterText"] as? String)?.contains("Списано баллов: 100") == true, "\(report["afterText"] ?? "")")
                    #expect(try await server.loyalty.card(number: card.number)?.balance == before - 100)
                }
            }
        }
    }
}
