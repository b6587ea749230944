import Foundation
import Testing
import TestSupport
import X509

@testable import PassBuilder

/// The `passline` executable, run as a user would, in a scratch working directory that links
/// the repository's PassTemplates and Certificates.
@Suite struct CLITests {
    /// A working directory for one test.
    struct Workspace {
        let dir: TempDir
        var path: String { dir.path }

        init() throws {
            dir = try TempDir("passline-cli")
            for name in ["PassTemplates", "Certificates"] {
                try FileManager.default.createSymbolicLink(atPath: dir.file(name), withDestinationPath: TestPaths.repo(name))
            }
        }

        func remove() { dir.remove() }

        func run(_ arguments: String..., environment: [String: String] = [:]) throws -> ProcessResult {
            try Processes.passline(arguments, in: path, environment: environment)
        }

        func run(_ arguments: [String], environment: [String: String] = [:]) throws -> ProcessResult {
            try Processes.passline(arguments, in: path, environment: environment)
        }

        func read(_ relative: String) throws -> [UInt8] { try dir.read(relative) }
        func exists(_ relative: String) -> Bool { dir.exists(relative) }

        /// Development certificates written by the library into `name/` (root.pem, wwdr.pem, pass.pem, pass.key).
        @discardableResult
        func devCerts(_ name: String, pki: DevelopmentPKI? = nil) throws -> DevelopmentPKI {
            let pki = try pki ?? DevFixtures.pki()
            try pki.write(to: dir.file(name))
            return pki
        }

        /// `--cert/--key/--wwdr` for a folder written by ``devCerts(_:pki:)``.
        func credentialArgs(_ name: String) -> [String] {
            ["--cert", "\(name)/pass.pem", "--key", "\(name)/pass.key", "--wwdr", "\(name)/wwdr.pem"]
        }

        /// The files left in `out/` (the output folder of failing builds).
        func outputs() -> [String] { (try? FileManager.default.contentsOfDirectory(atPath: dir.file("out"))) ?? [] }

        /// pass.json of a built .pkpass, parsed by Foundation.
        func passJSON(_ relative: String) throws -> [String: Any] {
            let bytes = try #require(try PassArchive(bytes: read(relative)).file("pass.json"))
            return try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        }
    }

    /// A signing time inside the validity of certificates made during the test (they start an hour back).
    static var signingTime: String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: DevFixtures.signingTime)
    }

    static let crashMarkers = ["Usage:", "USAGE:", "Fatal error", "Stack dump", "Backtrace", "backtrace", "Swift runtime failure", "Thread 0", "Error: "]

    /// A failed command: exit status 1, one `passline: …` line on stderr (besides `warning:` lines
    /// about the credentials, which come before it), no crash or usage dump.
    static func expectCleanFailure(_ result: ProcessResult, mentioning needles: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status == 1, "\(result.summary)", sourceLocation: sourceLocation)
        let lines = result.stderrLines.filter { !$0.hasPrefix("passline: warning:") }
        #expect(lines.count == 1, "expected one error line:\n\(result.summary)", sourceLocation: sourceLocation)
        if let line = lines.first {
            #expect(line.hasPrefix("passline: "), "\(line)", sourceLocation: sourceLocation)
            for needle in needles {
                #expect(line.contains(needle), "\"\(needle)\" not in: \(line)", sourceLocation: sourceLocation)
            }
        }
        for marker in crashMarkers {
            #expect(!result.stderr.contains(marker) && !result.stdout.contains(marker), "\(marker):\n\(result.summary)", sourceLocation: sourceLocation)
        }
    }

    /// A build that must fail without leaving anything in `out/`.
    static func expectBuildFails(
        _ ws: Workspace, _ extra: [String], environment: [String: String] = [:], mentioning needles: [String], sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let result = try ws.run(["pass", "build", "--out", "out/card.pkpass", "--signing-time", signingTime] + extra, environment: environment)
        expectCleanFailure(result, mentioning: needles, sourceLocation: sourceLocation)
        #expect(!ws.exists("out/card.pkpass"), sourceLocation: sourceLocation)
        #expect(ws.outputs().isEmpty, "left behind: \(ws.outputs())", sourceLocation: sourceLocation)
    }

    // MARK: - certs dev

    @Test func certsDevWritesTheFourFiles() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        let result = try ws.run("certs", "dev", "--out", "mycerts", "--pass-type-id", "pass.cli.example", "--team-id", "CLITEAM1")
        #expect(result.status == 0, "\(result.summary)")
        #expect(result.stdout.contains("wrote mycerts/root.pem"))
        for name in ["root.pem", "wwdr.pem", "pass.pem", "pass.key"] {
            #expect(ws.exists("mycerts/\(name)"), "\(name)")
        }
        let attributes = try FileManager.default.attributesOfItem(atPath: ws.dir.file("mycerts/pass.key"))
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let info = PassCertificateInfo(try Certificate(pemEncoded: String(decoding: ws.read("mycerts/pass.pem"), as: UTF8.self)))
        #expect(info.identity == PassIdentity(passTypeIdentifier: "pass.cli.example", teamIdentifier: "CLITEAM1"))
        let wwdr = try Certificate(pemEncoded: String(decoding: ws.read("mycerts/wwdr.pem"), as: UTF8.self))
        #expect(PassCertificateInfo.isIssued(info.certificate, by: wwdr))
    }

    @Test func certsDevRefusesABadPassTypeID() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        let result = try ws.run("certs", "dev", "--out", "mycerts", "--pass-type-id", "bad")
        Self.expectCleanFailure(result, mentioning: ["--pass-type-id"])
        #expect(!ws.exists("mycerts"))
    }

    // MARK: - pass build

    @Test func buildWithoutCredentialsCreatesDevCertsAndVerifies() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        let result = try ws.run("pass", "build", "--out", "X.pkpass", "--signing-time", Self.signingTime)
        #expect(result.status == 0, "\(result.summary)")
        for name in ["root.pem", "wwdr.pem", "pass.pem", "pass.key"] {
            #expect(ws.exists("data/dev-certs/\(name)"), "\(name)")
        }
        #expect(result.stderr.contains("data/dev-certs"), "\(result.summary)")
        #expect(result.stderr.contains("created now"), "\(result.summary)")
        #expect(result.stdout.contains("wrote X.pkpass"))
        #expect(ws.exists("X.pkpass"))

        let verify = try ws.run("pass", "verify", "X.pkpass", "--trust", "data/dev-certs/root.pem")
        #expect(verify.status == 0, "\(verify.summary)")
        #expect(verify.stdout.contains("X.pkpass: valid"), "\(verify.summary)")

        let root = String(decoding: try ws.read("data/dev-certs/root.pem"), as: UTF8.self)
        let cms = try opensslVerify(ws.read("X.pkpass"), rootPEM: root)
        #expect(cms.status == 0, "\(cms.summary)")

        // A second build reuses the certificates, and the same --signing-time gives the same bytes.
        let again = try ws.run("pass", "build", "--out", "Y.pkpass", "--signing-time", Self.signingTime)
        #expect(again.status == 0, "\(again.summary)")
        #expect(!again.stderr.contains("created now"), "\(again.summary)")
        #expect(try ws.read("X.pkpass") == ws.read("Y.pkpass"))
    }

    @Test func sameSigningTimeGivesIdenticalBytes() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        try ws.devCerts("certs")
        var outputs: [[UInt8]] = []
        for name in ["a.pkpass", "b.pkpass"] {
            let result = try ws.run(["pass", "build", "--out", name, "--signing-time", "2026-11-23T10:00:00Z"] + ws.credentialArgs("certs"))
            #expect(result.status == 0, "\(result.summary)")
            outputs.append(try ws.read(name))
        }
        #expect(outputs[0] == outputs[1])
        let other = try ws.run(["pass", "build", "--out", "c.pkpass", "--signing-time", "2026-11-23T10:00:01Z"] + ws.credentialArgs("certs"))
        #expect(other.status == 0, "\(other.summary)")
        #expect(try ws.read("c.pkpass") != outputs[0])
    }

    @Test func buildWithCustomValues() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        let pki = try ws.devCerts("certs")
        var values = try DevFixtures.sampleValues()
        values["holderName"] = .string("Иван \"Ваня\" Сидоров ♞")
        values["points"] = .integer(4321)
        values["serialNumber"] = .string("CLI-VALUES-1")
        try ws.dir.write("values.json", JSONValue.object(values).prettySerialized())
        let result = try ws.run(["pass", "build", "--out", "v.pkpass", "--values", "values.json", "--signing-time", Self.signingTime] + ws.credentialArgs("certs"))
        #expect(result.status == 0, "\(result.summary)")
        #expect(result.stdout.contains("serial CLI-VALUES-1"), "\(result.summary)")
        let json = try ws.passJSON("v.pkpass")
        #expect(json["serialNumber"] as? String == "CLI-VALUES-1")
        let card = try #require(json["storeCard"] as? [String: Any])
        #expect((card["primaryFields"] as? [[String: Any]])?.first?["value"] as? String == "Иван \"Ваня\" Сидоров ♞")
        #expect((card["headerFields"] as? [[String: Any]])?.first?["value"] as? Int == 4321)
        let report = PassVerifier.verify(bytes: try ws.read("v.pkpass"), trustRoots: [try DevFixtures.root(pki)])
        #expect(report.isValid, "\(report.errorText)")
    }

    @Test func buildGoldVariant() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        try ws.devCerts("certs")
        let result = try ws.run(["pass", "build", "--out", "g.pkpass", "--variant", "gold", "--signing-time", Self.signingTime] + ws.credentialArgs("certs"))
        #expect(result.status == 0, "\(result.summary)")
        #expect(try ws.passJSON("g.pkpass")["backgroundColor"] as? String == "rgb(122, 90, 24)")
        let strip = try PassArchive(bytes: ws.read("g.pkpass")).file("strip.png")
        #expect(strip == (try readBytes(TestPaths.repo("PassTemplates/loyalty/variants/gold/strip.png"))))
    }

    @Test func buildWithExplicitCertAndKey() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        let made = try ws.run("certs", "dev", "--out", "mycerts", "--pass-type-id", "pass.cli.example", "--team-id", "CLITEAM1")
        try #require(made.status == 0, "\(made.summary)")
        let result = try ws.run(["pass", "build", "--out", "e.pkpass", "--signing-time", Self.signingTime] + ws.credentialArgs("mycerts"))
        #expect(result.status == 0, "\(result.summary)")
        #expect(!ws.exists("data/dev-certs"), "explicit credentials must not create dev certificates")
        #expect(!result.stderr.contains("using development certificates"))
        let json = try ws.passJSON("e.pkpass")
        #expect(json["passTypeIdentifier"] as? String == "pass.cli.example")
        #expect(json["teamIdentifier"] as? String == "CLITEAM1")
        let verify = try ws.run("pass", "verify", "e.pkpass", "--trust", "mycerts/root.pem")
        #expect(verify.status == 0, "\(verify.summary)")
    }

    @Test func buildWithEncryptedKeyAndPasswordEnv() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        try ws.devCerts("certs")
        try Processes.opensslOK(["pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", "certs/pass.key", "-out", "certs/enc.key", "-passout", "pass:s3cret"], in: ws.path)
        let args = ["pass", "build", "--out", "k.pkpass", "--signing-time", Self.signingTime, "--cert", "certs/pass.pem", "--key", "certs/enc.key", "--wwdr", "certs/wwdr.pem", "--password-env", "PASSLINE_TEST_KEY_PASSWORD"]
        let result = try ws.run(args, environment: ["PASSLINE_TEST_KEY_PASSWORD": "s3cret"])
        #expect(result.status == 0, "\(result.summary)")
        #expect(ws.exists("k.pkpass"))
    }

    @Test func buildWithP12AndPasswordEnv() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        try ws.devCerts("certs")
        try Processes.opensslOK(
            ["pkcs12", "-export", "-legacy", "-in", "certs/pass.pem", "-inkey", "certs/pass.key", "-certfile", "certs/wwdr.pem", "-out", "certs/pass.p12", "-passout", "pass:p12secret"],
            in: ws.path)
        let args = ["pass", "build", "--out", "p.pkpass", "--signing-time", Self.signingTime, "--p12", "certs/pass.p12", "--wwdr", "certs/wwdr.pem", "--password-env", "PASSLINE_TEST_P12"]
        let result = try ws.run(args, environment: ["PASSLINE_TEST_P12": "p12secret"])
        #expect(result.status == 0, "\(result.summary)")
        let verify = try ws.run("pass", "verify", "p.pkpass", "--trust", "certs/root.pem")
        #expect(verify.status == 0, "\(verify.summary)")
    }

    // MARK: - pass build: bad input

    @Test func malformedValuesJSON() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        try ws.devCerts("certs")
        try ws.dir.write("values.json", "{\"holderName\": \"Anna\",")
        try Self.expectBuildFails(ws, ["--values", "values.json"] + ws.credentialArgs("certs"), mentioning: ["values.json", "line 1"])
        try ws.dir.write("array.json", "[1, 2]")
        try Self.expectBuildFails(ws, ["--values", "array.json"] + ws.credentialArgs("certs"), mentioning: ["array.json", "JSON object"])
        try Self.expectBuildFails(ws, ["--values", "absent.json"] + ws.credentialArgs("certs"), mentioning: ["absent.json", "no such file"])
    }

    @Test func valuesOfTheWrongType() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        try ws.devCerts("certs")
        var values = try DevFixtures.sampleValues()
        values["points"] = .string("lots")
        try ws.dir.write("values.json", JSONValue.object(values).serialized())
        try Self.expectBuildFails(ws, ["--values", "values.json"] + ws.credentialArgs("certs"), mentioning: ["template.json", "points"])
    }

    @Test func missingValue() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        try ws.devCerts("certs")
        var values = try DevFixtures.sampleValues()
        values["holderName"] = nil
        try ws.dir.write("values.json", JSONValue.object(values).serialized())
        try Self.expectBuildFails(ws, ["--values", "values.json"] + ws.credentialArgs("certs"), mentioning: ["pass.json", "$.storeCard.primaryFields[0].value", "holderName"])
    }

    @Test func unknownVariant() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        try ws.devCerts("certs")
        try Self.expectBuildFails(ws, ["--variant", "platinum"] + ws.credentialArgs("certs"), mentioning: ["platinum", "gold"])
    }

    /// Wallet scales an image of the wrong size (a warning) but cannot draw one that is not a PNG (an error).
    @Test func templateWithAnImageThatIsNotAPNG() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        try ws.devCerts("certs")
        let copy = try ws.dir.copy(folder: TestPaths.loyaltyTemplate, as: "badtemplate")
        try Data("GIF89a not a png".utf8).write(to: URL(fileURLWithPath: copy + "/icon@2x.png"))
        try Self.expectBuildFails(ws, ["--template", "badtemplate"] + ws.credentialArgs("certs"), mentioning: ["icon@2x.png", "image-format"])
    }

    // MARK: - template import

    /// Apple's sample StoreCard, as a .pkpass and as a Pass Designer .pkpasstemplate folder:
    /// imported, it lints without errors and builds into a pass that verifies.
    @Test func importedSamplePassesBuildAndVerify() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        let pki = try ws.devCerts("certs")
        let sample = TestPaths.repo("Tests/Fixtures/apple-sample-passes/StoreCard.pkpass")
        let fromPass = try ws.run("template", "import", sample, "--out", "storecard")
        #expect(fromPass.status == 0, "\(fromPass.summary)")
        #expect(fromPass.stdout.contains("0 error(s)"), "\(fromPass.summary)")
        let manifest = try #require(try JSONSerialization.jsonObject(with: Data(ws.read("storecard/template.json"))) as? [String: Any])
        let variables = try #require(manifest["variables"] as? [String: [String: Any]])
        #expect(variables["balance"]?["type"] as? String == "number" || variables["balance"]?["type"] as? String == "integer", "\(variables)")
        #expect(variables["serialNumber"] != nil && variables["barcodeMessage"] != nil)
        let pass = String(decoding: try ws.read("storecard/pass.json"), as: UTF8.self)
        #expect(!pass.contains("passTypeIdentifier") && !pass.contains("webServiceURL") && pass.contains("{{balance}}"))

        // The same pass as a .pkpasstemplate folder (pass.json, images, tooling.json with a key pass-builder does not write).
        let archive = try PassArchive(bytes: Array(try Data(contentsOf: URL(fileURLWithPath: sample))))
        for entry in archive.entries where !["manifest.json", "signature"].contains(entry.name) && !entry.isDirectory {
            try ws.dir.write("StoreCard.pkpasstemplate/\(entry.name)", entry.data)
        }
        try ws.dir.write("StoreCard.pkpasstemplate/tooling.json", Array(#"{"designerVersion":"1.0","automaticallyGenerateCompatiblePass":false,"canvas":"dark"}"#.utf8))
        let fromTemplate = try ws.run("template", "import", "StoreCard.pkpasstemplate", "--out", "designer")
        #expect(fromTemplate.status == 0, "\(fromTemplate.summary)")
        #expect(fromTemplate.stdout.contains("tooling.json: unknown key canvas"), "\(fromTemplate.summary)")

        let build = try ws.run(["pass", "build", "--template", "designer", "--out", "designer.pkpass", "--signing-time", Self.signingTime] + ws.credentialArgs("certs"))
        #expect(build.status == 0, "\(build.summary)")
        let verified = try opensslVerify(ws.read("designer.pkpass"), rootPEM: pki.rootPEM)
        #expect(verified.status == 0, "\(verified.summary)")
        let built = try ws.passJSON("designer.pkpass")
        #expect((built["storeCard"] as? [String: Any]) != nil && built["serialNumber"] as? String != nil)

        // Not a pass, and an occupied folder: clear refusals.
        try ws.dir.write("junk.pkpass", Array("not a zip".utf8))
        Self.expectCleanFailure(try ws.run("template", "import", "junk.pkpass", "--out", "x"), mentioning: ["junk.pkpass", "not a zip"])
        Self.expectCleanFailure(try ws.run("template", "import", sample, "--out", "designer"), mentioning: ["not empty"])
    }

    @Test func unreadableCertificatePath() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        try ws.devCerts("certs")
        try Self.expectBuildFails(ws, ["--cert", "nowhere/pass.pem", "--key", "certs/pass.key", "--wwdr", "certs/wwdr.pem"], mentioning: ["nowhere/pass.pem", "no such file"])
        // A path that exists but is not a certificate.
        try Self.expectBuildFails(ws, ["--cert", "certs/pass.key", "--key", "certs/pass.key", "--wwdr", "certs/wwdr.pem"], mentioning: ["certs/pass.key", "certificate"])
    }

    @Test func wrongKeyPassword() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        try ws.devCerts("certs")
        try Processes.opensslOK(["pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", "certs/pass.key", "-out", "certs/enc.key", "-passout", "pass:right"], in: ws.path)
        let creds = ["--cert", "certs/pass.pem", "--key", "certs/enc.key", "--wwdr", "certs/wwdr.pem"]
        try Self.expectBuildFails(ws, creds + ["--password-env", "PASSLINE_TEST_PW"], environment: ["PASSLINE_TEST_PW": "wrong"], mentioning: ["certs/enc.key", "password"])
        try Self.expectBuildFails(ws, creds, mentioning: ["certs/enc.key", "a password is required"])
        try Self.expectBuildFails(ws, creds + ["--password-env", "PASSLINE_TEST_UNSET_VARIABLE"], mentioning: ["PASSLINE_TEST_UNSET_VARIABLE", "not set"])
    }

    @Test func mismatchedKey() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        try ws.devCerts("a")
        try ws.devCerts("b", pki: DevFixtures.pkiB())
        try Self.expectBuildFails(ws, ["--cert", "a/pass.pem", "--key", "b/pass.key", "--wwdr", "a/wwdr.pem"], mentioning: ["does not belong"])
    }

    @Test func p12WithTheWrongPassword() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        try ws.devCerts("certs")
        try Processes.opensslOK(
            ["pkcs12", "-export", "-in", "certs/pass.pem", "-inkey", "certs/pass.key", "-certfile", "certs/wwdr.pem", "-out", "certs/pass.p12", "-passout", "pass:right"], in: ws.path)
        try Self.expectBuildFails(
            ws, ["--p12", "certs/pass.p12", "--wwdr", "certs/wwdr.pem", "--password-env", "PASSLINE_TEST_P12"], environment: ["PASSLINE_TEST_P12": "wrong"],
            mentioning: ["certs/pass.p12", "wrong password"])
    }

    @Test func garbageSigningTime() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        let result = try ws.run("pass", "build", "--out", "out/card.pkpass", "--signing-time", "garbage")
        Self.expectCleanFailure(result, mentioning: ["--signing-time", "garbage"])
        #expect(ws.outputs().isEmpty)
        #expect(!ws.exists("data/dev-certs"), "nothing is created before the arguments are checked")
    }

    @Test func intermediateThatIsNotACertificate() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        try ws.devCerts("certs")
        try ws.dir.write("certs/notes.txt", "not a certificate")
        try Self.expectBuildFails(ws, ["--cert", "certs/pass.pem", "--key", "certs/pass.key", "--wwdr", "certs/notes.txt"], mentioning: ["certs/notes.txt", "certificate"])
    }

    @Test func unwritableOutputPath() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        try ws.devCerts("certs")
        // --out names an existing directory: the write fails; say so in one line, like every other failure.
        try FileManager.default.createDirectory(atPath: ws.dir.file("taken.pkpass"), withIntermediateDirectories: true)
        let result = try ws.run(["pass", "build", "--out", "taken.pkpass", "--signing-time", Self.signingTime] + ws.credentialArgs("certs"))
        Self.expectCleanFailure(result, mentioning: ["taken.pkpass"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: ws.dir.file("taken.pkpass")).isEmpty)
    }

    @Test func credentialsThatFailTheCheckWriteNothing() throws {
        // Dev certificates with the bundled Apple G4 as intermediate: it did not issue them.
        let ws = try Workspace()
        defer { ws.remove() }
        try ws.devCerts("certs")
        let result = try ws.run("pass", "build", "--out", "out/card.pkpass", "--signing-time", Self.signingTime, "--cert", "certs/pass.pem", "--key", "certs/pass.key")
        #expect(result.status == 1, "\(result.summary)")
        #expect(result.stderr.contains("none of the given intermediates issued"), "\(result.summary)")
        #expect(ws.outputs().isEmpty)
        for marker in Self.crashMarkers { #expect(!result.stderr.contains(marker), "\(marker)") }
    }

    // MARK: - pass verify

    @Test func verifyATamperedPass() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        var entries = try zipEntries(DevFixtures.buildLoyalty().pkpass)
        let i = try #require(entries.firstIndex { $0.name == "icon.png" })
        entries[i].data[entries[i].data.count - 20] ^= 0x55
        try ws.dir.write("tampered.pkpass", makeZip(entries))
        try ws.dir.write("root.pem", DevFixtures.pki().rootPEM)
        let result = try ws.run("pass", "verify", "tampered.pkpass", "--trust", "root.pem")
        #expect(result.status == 1, "\(result.summary)")
        #expect(result.stdout.contains("INVALID"), "\(result.summary)")
        #expect(result.stdout.contains("icon.png"), "\(result.summary)")
        for marker in Self.crashMarkers { #expect(!result.stderr.contains(marker), "\(marker)") }

        // The untampered pass, for contrast.
        try ws.dir.write("good.pkpass", DevFixtures.buildLoyalty().pkpass)
        #expect(try ws.run("pass", "verify", "good.pkpass", "--trust", "root.pem").status == 0)
    }

    @Test func verifyNotAPass() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        try ws.dir.write("junk.pkpass", "definitely not a zip")
        let junk = try ws.run("pass", "verify", "junk.pkpass")
        #expect(junk.status == 1, "\(junk.summary)")
        #expect(junk.stdout.contains("INVALID"))
        let absent = try ws.run("pass", "verify", "absent.pkpass")
        #expect(absent.status == 1, "\(absent.summary)")
        #expect(absent.stdout.contains("no such file"), "\(absent.summary)")
        try ws.dir.write("root.txt", "not a certificate")
        try ws.dir.write("good.pkpass", DevFixtures.buildLoyalty().pkpass)
        Self.expectCleanFailure(try ws.run("pass", "verify", "good.pkpass", "--trust", "root.txt"), mentioning: ["root.txt", "not a PEM or DER certificate"])
    }

    @Test func verifyApplesStoreCard() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        let storeCard = try #require(try TestPaths.appleSamplePasses().first { $0.hasSuffix("/StoreCard.pkpass") }, "StoreCard.pkpass is missing from the shared fixtures")
        let result = try ws.run("pass", "verify", storeCard)
        #expect(result.status == 0, "\(result.summary)")
        #expect(result.stdout.contains("StoreCard.pkpass: valid"), "\(result.summary)")
        #expect(result.stdout.contains("SHA1"))
    }

    // MARK: - template lint

    @Test func lintTheLoyaltyTemplate() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        let result = try ws.run("template", "lint", "PassTemplates/loyalty")
        #expect(result.status == 0, "\(result.summary)")
        #expect(result.stdout.contains("PassTemplates/loyalty: 0 error(s)"), "\(result.summary)")
    }

    @Test func lintABrokenCopy() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        let copy = try ws.dir.copy(folder: TestPaths.loyaltyTemplate, as: "broken")
        let text = String(decoding: try readBytes(copy + "/pass.json"), as: UTF8.self)
        #expect(text.contains("{{tierName}}"))
        try ws.dir.write("broken/pass.json", text.replacingOccurrences(of: "{{tierName}}", with: "{{tierLevel}}"))
        let result = try ws.run("template", "lint", "broken")
        #expect(result.status == 1, "\(result.summary)")
        let line = try #require(result.stdout.split(separator: "\n").first { $0.contains("tierLevel") }, "\(result.summary)")
        #expect(line.contains("broken/pass.json"), "\(line)")
        #expect(line.contains("$.storeCard.secondaryFields[0].value"), "\(line)")
        #expect(line.contains("error[variable]"), "\(line)")
        #expect(result.stdout.contains("broken: 1 error(s)"), "\(result.summary)")
        for marker in Self.crashMarkers { #expect(!result.stderr.contains(marker), "\(marker)") }
    }

    @Test func lintWarningsOnly() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        _ = try ws.dir.copy(folder: TestPaths.loyaltyTemplate, as: "warned")
        try ws.dir.write("warned/.DS_Store", [0, 0, 0, 1])
        let result = try ws.run("template", "lint", "warned")
        #expect(result.status == 0, "\(result.summary)")
        #expect(result.stdout.contains("warning[junk-file]"), "\(result.summary)")
        #expect(result.stdout.contains(".DS_Store"))
        #expect(result.stdout.contains("warned: 0 error(s), 1 warning(s)"), "\(result.summary)")
    }

    // MARK: - certs check

    @Test func certsCheckDevelopmentFiles() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        try ws.devCerts("certs")
        let result = try ws.run(["certs", "check"] + ws.credentialArgs("certs"))
        #expect(result.status == 0, "\(result.summary)")
        #expect(result.stdout.contains("ok: private key matches the certificate"), "\(result.summary)")
        #expect(result.stdout.contains("warning: the intermediate is not Apple's WWDR G4"), "\(result.summary)")
        #expect(result.stdout.contains("credentials usable for pass.dev.passline.loyalty (team DEVTEAM123)"), "\(result.summary)")
    }

    @Test func certsCheckExpiredSet() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        let twoYearsAgo = DevFixtures.signingTime.addingTimeInterval(-2 * 365 * 86_400)
        try ws.devCerts("expired", pki: DevelopmentPKI.generate(now: twoYearsAgo))
        let result = try ws.run(["certs", "check"] + ws.credentialArgs("expired"))
        #expect(result.status == 1, "\(result.summary)")
        #expect(result.stdout.contains("error: the certificate expired"), "\(result.summary)")
        #expect(!result.stdout.contains("credentials usable"))
    }

    @Test func certsCheckMismatchedSet() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        try ws.devCerts("a")
        try ws.devCerts("b", pki: DevFixtures.pkiB())
        let wrongIntermediate = try ws.run("certs", "check", "--cert", "a/pass.pem", "--key", "a/pass.key", "--wwdr", "b/wwdr.pem")
        #expect(wrongIntermediate.status == 1, "\(wrongIntermediate.summary)")
        #expect(wrongIntermediate.stdout.contains("error: none of the given intermediates issued"), "\(wrongIntermediate.summary)")
        let wrongKey = try ws.run("certs", "check", "--cert", "a/pass.pem", "--key", "b/pass.key", "--wwdr", "a/wwdr.pem")
        Self.expectCleanFailure(wrongKey, mentioning: ["does not belong"])
    }
}

/// `passline dev bitrix24-mock`: the mock portal as a process, as a developer runs it.
@Suite struct Bitrix24MockCLITests {
    @Test func theMockPortalServesRESTAndItsControls() async throws {
        let dir = try TempDir("passline-b24mock")
        defer { dir.remove() }
        let mock = try await ServerProcess.start(["dev", "bitrix24-mock", "--port", "0", "--seed"], environment: [:], log: dir.file("mock.log"))
        defer { mock.stop() }
        let base = "http://127.0.0.1:\(mock.port)"
        let log = try String(contentsOfFile: dir.file("mock.log"), encoding: .utf8)
        #expect(log.contains("export PASSLINE_B24_CLIENT_ID=local.mock.passline") && log.contains("PASSLINE_B24_OAUTH_URL=\(base)"))
        #expect(log.contains("/bitrix24/install") && log.contains("event=ONAPPINSTALL"), "prints the install command")

        let info = try Processes.run("/usr/bin/curl", ["-s", "-X", "POST", "\(base)/rest/app.info.json", "-d", "auth=mock-access-1"])
        #expect(info.stdout.contains(#""CODE":"local.mock.passline""#), "\(info.stdout)")
        let refused = try Processes.run("/usr/bin/curl", ["-s", "-X", "POST", "\(base)/rest/crm.deal.get.json", "-d", "id=3"])
        #expect(refused.stdout.contains("NO_AUTH_FOUND"), "no token, no data")
        let won = try Processes.run("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "\(base)/mock/deals/3/stage/S"])
        #expect(won.stdout == "204")
        let state = try Processes.run("/usr/bin/curl", ["-s", "\(base)/mock/state"])
        #expect(state.stdout.contains("Anna") && state.stdout.contains("Ivan") && state.stdout.contains(#""STAGE_SEMANTIC_ID":"S""#), "\(state.stdout)")
    }
}

/// `passline template preview`: the drawing and its lint in one file, images inlined.
@Suite struct TemplatePreviewCLITests {
    @Test func aTemplateIsDrawnIntoOneSelfContainedFile() throws {
        let dir = try TempDir("passline-preview")
        defer { dir.remove() }
        let result = try Processes.passline(["template", "preview", TestPaths.loyaltyTemplate, "--variant", "gold", "--lang", "ru", "--out", dir.file("card.html")], in: dir.path)
        #expect(result.status == 0, "\(result.summary)")
        let html = String(decoding: try dir.read("card.html"), as: UTF8.self)
        #expect(html.contains(#"data-part="strip""#) && html.contains("data:image/png;base64,") && html.contains("<svg"), "the strip, inlined images, a drawn QR code")
        #expect(html.contains("rgb(122, 90, 24)") && html.contains(#"data-part="lint""#), "the gold tier, with its lint")
        let unknown = try Processes.passline(["template", "preview", TestPaths.loyaltyTemplate, "--variant", "platinum", "--out", dir.file("x.html")], in: dir.path)
        #expect(unknown.status == 1 && unknown.stderr.contains("no variant platinum"), "\(unknown.summary)")
    }
}
