import Foundation
import Loyalty
import Storage
import Testing
import TestSupport

@testable import Server

/// The dashboard in a real browser: headless Chromium signs in through the form, reads the
/// overview's SVG charts, searches, opens a card and the broadcasts, signs out; PNG screenshots
/// of every page are checked not to be blank and kept in .build/test-output/admin-screenshots/.
/// Driven by scripts/admin-browser-test.py; runs in the test command's second pass (one at a time).
@Suite(.serialized) struct AdminBrowserTests {
    static let screenshots = TestEnvironment.repoRoot.appendingPathComponent(".build/test-output/admin-screenshots")

    @Test func chromiumSignsInAndWalksTheDashboard() async throws {
        guard let chromium = Processes.find("chromium") ?? Processes.find("chromium-browser") else {
            Issue.record("chromium is not installed: apt-get install chromium (.ci/run installs it)")
            return
        }
        guard let python = Processes.find("python3") else { Issue.record("python3 is required"); return }
        let dir = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let port = Receiver.closedPort()
        var configuration = TestServer.configuration(dataDirectory: dir, databaseURL: "sqlite:\(dir.appendingPathComponent("passline.sqlite").path)")
        configuration.host = "127.0.0.1"
        configuration.port = port
        configuration.publicURL = "http://127.0.0.1:\(port)"
        configuration.push.endpoint = .off  // the wallet registered below has nowhere to be pushed
        let config = configuration
        let base = "http://127.0.0.1:\(port)"
        try? FileManager.default.removeItem(at: Self.screenshots)
        try FileManager.default.createDirectory(at: Self.screenshots, withIntermediateDirectories: true)

        try await BrowserTests.serving(config) { server in
            // A household of two with a wallet, a few entries, another card, a broadcast.
            let loyalty = server.loyalty
            let phone = try PhoneNumber(parsing: "+79123456789")
            let anna = try await loyalty.issue(NewCard(name: "Анна Петрова", phone: phone))
            _ = try await loyalty.issue(NewCard(name: "Миша Петров", phone: phone))
            _ = try await loyalty.issue(NewCard(name: "Olga Smirnova", phone: try PhoneNumber(parsing: "+79160001122")))
            _ = try await loyalty.apply(.accrual(points: 500), cardNumber: anna.number, businessKey: "deal:1:accrual", comment: "Шахматы, 8 занятий")
            _ = try await loyalty.apply(.debit(points: 120, purchase: nil), cardNumber: anna.number, businessKey: nil, comment: nil)
            _ = try await server.service.store.register(
                deviceLibraryIdentifier: "a1b2c3d4e5f60718293a4b5c6d7e8f90", pushToken: pushTokenA, client: .apple,
                passTypeIdentifier: anna.passTypeIdentifier, serialNumber: anna.serialNumber)
            _ = try await server.broadcasts.create(NewBroadcast(
                messages: ["ru": "Турнир в субботу", "en": "Tournament on Saturday"], promo: "Tournament on Saturday", points: 10, audience: .all))

            // The token goes to the script in a private file, never in its arguments.
            let tokenFile = dir.appendingPathComponent("admin-token")
            try Data(server.adminToken.utf8).write(to: tokenFile)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: tokenFile.path)

            let output = dir.appendingPathComponent("admin-browser.json")
            let status = try await Processes.runAsync(python, [
                TestEnvironment.repoRoot.appendingPathComponent("scripts/admin-browser-test.py").path, "--base", base,
                "--token-file", tokenFile.path, "--search", "Петров", "--out", Self.screenshots.path, "--chromium", chromium, "--timeout", "60",
            ], output: output)
            let text = try String(contentsOf: output, encoding: .utf8)
            let report = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "admin-browser-test.py printed: \(text)")
            #expect(status == 0, "admin-browser-test.py failed: \(report["error"] ?? "?")")
            print("admin browser test screenshots: \(Self.screenshots.path)")
            guard status == 0 else { return }
            #expect(!text.contains(server.adminToken), "the report (page texts) holds no token")

            // Chromium asks for English (Accept-Language en-US).
            #expect((report["signInText"] as? String)?.contains("Sign in to Passline") == true)
            #expect(report["overviewURL"] as? String == "\(base)/admin")
            let overview = try #require(report["overviewText"] as? String)
            #expect(overview.contains("Cards issued") && overview.contains("Points accrued") && overview.contains("admin token"), "\(overview)")
            #expect(report["chartCount"] as? Int == 4)
            #expect((report["chartBars"] as? Int ?? 0) >= 4 * 30, "30 days, a bar per series and day")
            #expect((report["chartWidth"] as? Double ?? 0) > 300, "the chart is laid out, not collapsed")
            #expect(report["scriptCookies"] as? String == "", "the session cookie is HttpOnly (and the language cookie unset)")
            #expect(report["tokenInPage"] as? Bool == false)

            let search = try #require(report["searchText"] as? String)
            #expect(search.contains("Анна Петрова") && search.contains("Миша Петров") && !search.contains("Olga"))
            #expect((report["cardURL"] as? String)?.hasPrefix("\(base)/admin/cards/") == true)
            let card = try #require(report["cardText"] as? String)
            #expect(card.contains("Анна Петрова") && card.contains("Миша Петров") && card.contains("Apple Wallet"), "\(card)")
            #expect(card.contains("+500") && card.contains("-120") && card.contains("Шахматы, 8 занятий"))
            #expect(report["householdRows"] as? Int == 2)
            #expect(report["deviceRows"] as? Int == 1)
            #expect((report["ledgerRows"] as? Int ?? 0) >= 3, "welcome, accrual, debit (and the broadcast's grant once it ran)")
            #expect((report["broadcastsText"] as? String)?.contains("Tournament on Saturday") == true)
            #expect(report["cardsAfterSignOut"] as? Bool == true, "signed out: the pages ask for the token again")
            #expect(try await AdminSessionStore(database: server.database).count() == 0, "sign-out deleted the session")

            let shots = try #require(report["screenshots"] as? [String: [String: Any]])
            #expect(Set(shots.keys) == ["sign-in", "overview", "search", "card", "broadcasts"])
            for (name, shot) in shots {
                let path = try #require(shot["path"] as? String)
                let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
                #expect(size > 10_000, "\(name): \(size) bytes")
                #expect((shot["colours"] as? Int ?? 0) >= 8 && (shot["inked"] as? Double ?? 0) >= 0.01, "\(name) looks blank: \(shot)")
            }
        }
    }
}
