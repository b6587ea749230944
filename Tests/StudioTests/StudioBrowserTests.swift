import Foundation
import Hummingbird
import Logging
import PassBuilder
import ServiceLifecycle
import Testing
import TestSupport

@testable import Studio

/// The studio in a real browser: headless Chromium opens the loyalty template in each tier and
/// language and Apple's sample StoreCard (imported), takes screenshots, and the page's geometry
/// shows Wallet's layout: the primary field inside the strip, the header fields right of the
/// logo, the barcode below the fields. A saved file redraws the open page. Driven by
/// scripts/studio-browser-test.py; screenshots in .build/test-output/screenshots/.
@Suite(.serialized) struct StudioBrowserTests {
    typealias Box = [String: Double]

    static func inside(_ inner: Box, _ outer: Box) -> Bool {
        inner["left"]! >= outer["left"]! - 0.5 && inner["right"]! <= outer["right"]! + 0.5 && inner["top"]! >= outer["top"]! - 0.5 && inner["bottom"]! <= outer["bottom"]! + 0.5
    }

    @Test func chromiumDrawsTheTemplatesAsWalletLaysThemOut() async throws {
        guard let chromium = Processes.find("chromium") ?? Processes.find("chromium-browser") else {
            Issue.record("chromium is not installed: apt-get install chromium (.ci/run installs it)")
            return
        }
        guard let python = Processes.find("python3") else { Issue.record("python3 is required"); return }
        let dir = try TempDir("passline-studio-browser")
        defer { dir.remove() }
        _ = try dir.copy(folder: TestPaths.loyaltyTemplate, as: "templates/loyalty")
        // Apple's sample StoreCard, imported as a template.
        var bundle: [String: [UInt8]] = [:]
        let archive = try PassArchive(bytes: Array(try Data(contentsOf: URL(fileURLWithPath: TestPaths.repo("Tests/Fixtures/apple-sample-passes/StoreCard.pkpass")))))
        for entry in archive.entries where !entry.isDirectory { bundle[entry.name] = entry.data }
        for (path, data) in try TemplateImport.make(name: "storecard", bundle: bundle).files { try dir.write("templates/storecard/\(path)", data) }

        let screenshots = URL(fileURLWithPath: TestPaths.repo(".build/test-output/screenshots"))
        try FileManager.default.createDirectory(at: screenshots, withIntermediateDirectories: true)
        var studio = StudioServer(templatesDirectory: dir.file("templates"), signer: try DevFixtures.credentials())
        studio.watchInterval = .milliseconds(100)
        let logger = Logger(label: "passline.studio-test")
        let (ports, found) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: studio.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { found.yield($0.localAddress?.port ?? 0) }, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            defer { Task { await group.triggerGracefulShutdown() } }

            let output = URL(fileURLWithPath: dir.file("studio.json"))
            let status = try await Processes.runAsync(python, [
                TestPaths.repo("scripts/studio-browser-test.py"), "--base", "http://127.0.0.1:\(port)",
                "--edit", dir.file("templates/loyalty/en.lproj/pass.strings"), "--out", screenshots.path, "--chromium", chromium,
            ], output: output)
            let text = try String(contentsOf: output, encoding: .utf8)
            let report = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "studio-browser-test.py printed: \(text)")
            #expect(status == 0, "studio-browser-test.py failed: \(report["error"] ?? "?")")
            guard status == 0 else { return }
            let pages = try #require(report["pages"] as? [String: [String: Any]])
            #expect(pages.count == 7)
            for (name, page) in pages {
                let strip = try #require(page["strip"] as? Box, "\(name): no strip")
                let primary = try #require(page["primary"] as? Box, "\(name): no primary field")
                let logo = try #require(page["logo"] as? Box, "\(name): no logo")
                // Apple's StoreCard has no header field; the loyalty card has its points there.
                let header = page["header"] as? Box
                #expect(name == "storecard" || header != nil, "\(name): no header field")
                let row = try #require(page["row"] as? Box, "\(name): no row")
                let barcode = try #require(page["barcode"] as? Box, "\(name): no barcode")
                #expect(Self.inside(primary, strip), "\(name): the primary field lies within the strip")
                if let header { #expect(header["left"]! >= logo["right"]!, "\(name): the header fields are right of the logo") }
                #expect(barcode["top"]! >= row["bottom"]! && row["top"]! >= strip["bottom"]! - 0.5, "\(name): strip, then the row, then the barcode")
            }
            #expect((pages["loyalty-gold-ru"]?["text"] as? String)?.contains("БАЛЛЫ") == true || (pages["loyalty-gold-ru"]?["text"] as? String)?.contains("Баллы") == true)
            #expect((pages["storecard"]?["text"] as? String)?.contains("21.75") == true, "Apple's StoreCard: its balance over its strip")
            #expect(report["reloaded"] as? Bool == true, "a saved file redraws the open page")
        }
    }
}
