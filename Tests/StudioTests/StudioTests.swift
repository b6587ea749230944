import Foundation
import Hummingbird
import HummingbirdTesting
import PassBuilder
import Testing
import TestSupport

@testable import Studio

/// The designers' studio over HTTP: templates listed with their lint, drawn with the form's
/// values, broken ones shown with what is wrong (never a 500), downloads signed, saves announced,
/// any pass inspected, nothing served outside the templates folder.
@Suite struct StudioTests {
    /// A templates folder holding a copy of the loyalty template (and what `prepare` adds).
    static func withStudio(_ prepare: (TempDir) throws -> Void = { _ in }, _ body: @Sendable (TempDir, any TestClientProtocol) async throws -> Void) async throws {
        let dir = try TempDir("passline-studio")
        defer { dir.remove() }
        _ = try dir.copy(folder: TestPaths.loyaltyTemplate, as: "loyalty")
        try prepare(dir)
        var studio = StudioServer(templatesDirectory: dir.path, signer: try DevFixtures.credentials())
        studio.watchInterval = .milliseconds(50)
        let app = Application(router: studio.router())
        try await app.test(.router) { client in try await body(dir, client) }
    }

    static func text(_ r: TestResponse) -> String { String(buffer: r.body) }

    @Test func templatesAreListedAndDrawnWithTheFormsValues() async throws {
        try await Self.withStudio { _, client in
            let index = try await client.execute(uri: "/", method: .get)
            #expect(index.status == .ok && Self.text(index).contains(#"<tr data-template="loyalty">"#) && Self.text(index).contains("base, gold, silver"))

            let page = try await client.execute(uri: "/templates/loyalty?variant=gold&lang=en&v.points=98765&v.holderName=Ivan%20Petrov", method: .get)
            let html = Self.text(page)
            #expect(page.status == .ok)
            #expect(html.contains("98,765") && html.contains("Ivan Petrov") && html.contains("rgb(122, 90, 24)"), "the form's values, the gold variant")
            #expect(html.contains(#"data-part="lint""#) && html.contains("No findings"))
            #expect(html.contains(#"<tr data-slot="strip"><th>strip</th><td class="ok">375×144"#), "image slots with their sizes")
            #expect(page.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)

            let wrong = Self.text(try await client.execute(uri: "/templates/loyalty?v.points=lots", method: .get))
            #expect(wrong.contains("Values not taken") && wrong.contains("points: expected integer"), "a value of the wrong type is named")
        }
    }

    @Test func nothingOutsideTheTemplatesFolderIsServed() async throws {
        try await Self.withStudio { _, client in
            for uri in ["/templates/..%2F..%2Fetc", "/templates/nope", "/templates/%2Fetc%2Fpasswd/pass.pkpass", "/templates/../events"] {
                let r = try await client.execute(uri: uri, method: .get)
                #expect(r.status == .notFound, "\(uri) → \(r.status)")
            }
        }
    }

    @Test func aBrokenTemplateIsShownWithWhatIsWrong() async throws {
        try await Self.withStudio({ dir in
            _ = try dir.copy(folder: TestPaths.loyaltyTemplate, as: "broken")
            try dir.write("broken/pass.json", "{ \"formatVersion\": 1, ")
            _ = try dir.copy(folder: TestPaths.loyaltyTemplate, as: "noimage")
            try dir.write("noimage/logo.png", "not a png")
        }) { _, client in
            let broken = try await client.execute(uri: "/templates/broken", method: .get)
            #expect(broken.status == .ok && Self.text(broken).contains(#"data-part="problem""#) && Self.text(broken).contains("json-syntax"))
            let noimage = try await client.execute(uri: "/templates/noimage", method: .get)
            #expect(noimage.status == .ok && Self.text(noimage).contains("not a PNG"))
            let index = Self.text(try await client.execute(uri: "/", method: .get))
            #expect(index.contains(#"<tr data-template="broken">"#) && index.contains("error(s)"))
        }
    }

    @Test func theDownloadIsTheSignedPassOnScreen() async throws {
        try await Self.withStudio { _, client in
            let r = try await client.execute(uri: "/templates/loyalty/pass.pkpass?variant=silver&v.points=4242", method: .get)
            #expect(r.status == .ok && r.headers[.contentType] == "application/vnd.apple.pkpass")
            let bytes = Array(r.body.readableBytesView)
            let verified = try opensslVerify(bytes, rootPEM: try DevFixtures.pki().rootPEM)
            #expect(verified.status == 0, "\(verified.summary)")
            let pass = try JSONValue(parsing: try #require(try PassArchive(bytes: bytes).file("pass.json")))
            #expect(pass["storeCard"]?["headerFields"]?.arrayValue?.first?["value"] == .integer(4242))
            #expect(pass["backgroundColor"]?.stringValue == "rgb(96, 108, 118)", "the silver variant")
        }
    }

    @Test func savingAFileAnnouncesAChange() async throws {
        try await Self.withStudio { dir, client in
            let save = Task {
                try await Task.sleep(for: .milliseconds(400))
                try dir.write("loyalty/en.lproj/pass.strings", String(decoding: try dir.read("loyalty/en.lproj/pass.strings"), as: UTF8.self) + "\n")
            }
            let events = try await client.execute(uri: "/templates/loyalty/events?once=1", method: .get)
            try await save.value
            #expect(events.headers[.contentType] == "text/event-stream")
            #expect(Self.text(events).contains("event: change"))
        }
    }

    @Test func anyPassIsInspected() async throws {
        let sample = Array(try Data(contentsOf: URL(fileURLWithPath: TestPaths.repo("Tests/Fixtures/apple-sample-passes/StoreCard.pkpass"))))
        try await Self.withStudio { _, client in
            let raw = try await client.execute(uri: "/inspect", method: .post, headers: [.contentType: "application/vnd.apple.pkpass"], body: ByteBuffer(bytes: sample))
            let html = Self.text(raw)
            #expect(raw.status == .ok && html.contains(#"data-part="strip""#) && html.contains(#"data-part="report""#))
            #expect(html.contains("21.75"), "Apple's StoreCard: its balance over its strip")

            let boundary = "----passline"
            let multipart = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"pass\"; filename=\"s.pkpass\"\r\nContent-Type: application/octet-stream\r\n\r\n".utf8)
                + sample + Array("\r\n--\(boundary)--\r\n".utf8)
            let upload = try await client.execute(
                uri: "/inspect", method: .post, headers: [.contentType: "multipart/form-data; boundary=\(boundary)"], body: ByteBuffer(bytes: multipart))
            #expect(upload.status == .ok && Self.text(upload).contains(#"data-part="report""#))

            let junk = try await client.execute(uri: "/inspect", method: .post, body: ByteBuffer(string: "not a zip"))
            #expect(junk.status == .badRequest && Self.text(junk).contains("Not a .pkpass"))
            let huge = try await client.execute(uri: "/inspect", method: .post, body: ByteBuffer(repeating: 0, count: StudioServer.maxUpload + 1))
            #expect(huge.status == .contentTooLarge)
        }
    }
}
