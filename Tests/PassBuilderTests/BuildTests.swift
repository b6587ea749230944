import Crypto
import Foundation
import Testing
import TestSupport
import X509

@testable import PassBuilder

/// Building the loyalty template into signed .pkpass files, checked by independent tools
/// (`openssl cms`, `unzip`, Foundation's JSON parser, SHA-1 from swift-crypto).
@Suite struct BuildTests {
    // MARK: - Signature, checked by openssl

    @Test func signatureVerifiesWithOpenSSL() throws {
        let pki = try DevFixtures.pki()
        let pass = try DevFixtures.buildLoyalty()
        let result = try opensslVerify(pass.pkpass, rootPEM: pki.rootPEM)
        #expect(result.status == 0, "openssl cms -verify rejected the pass:\n\(result.summary)")
        #expect(result.stderr.contains("Verification successful"), "\(result.summary)")
    }

    @Test func signatureStructureAsOpenSSLPrintsIt() throws {
        let pass = try DevFixtures.buildLoyalty()
        let dir = try TempDir()
        defer { dir.remove() }
        try dir.write("signature", pass.signature)
        let printed = try Processes.openssl(["cms", "-cmsout", "-print", "-inform", "DER", "-in", "signature"], in: dir.path)
        try #require(printed.status == 0, "\(printed.summary)")
        let text = printed.stdout
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }

        // Signed attributes: exactly contentType, signingTime, messageDigest.
        let start = try #require(lines.firstIndex(of: "signedAttrs:"), "no signedAttrs in:\n\(text)")
        let end = try #require(lines[start...].firstIndex(of: "signatureAlgorithm:"))
        let attributes = lines[start..<end].filter { $0.hasPrefix("object: ") }.map { line in
            String(line.dropFirst("object: ".count).prefix { $0 != " " })
        }
        #expect(attributes.sorted() == ["contentType", "messageDigest", "signingTime"], "signed attributes: \(attributes)")
        #expect(!text.contains("SMIMECapabilities"))

        // The signing time in the attribute is the requested one.
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "MMM d HH:mm:ss yyyy"
        let expectedTime = "UTCTIME:\(f.string(from: DevFixtures.signingTime)) GMT"
        let squeezed = lines.map { $0.split(separator: " ").joined(separator: " ") }
        #expect(squeezed.contains(expectedTime), "expected \(expectedTime) in:\n\(lines[start..<end].joined(separator: "\n"))")

        // SHA-256 as the digest, in digestAlgorithms and in the SignerInfo.
        let digestLines = lines.enumerated().filter { $0.element == "digestAlgorithms:" || $0.element == "digestAlgorithm:" }
        #expect(digestLines.count == 2)
        for (i, _) in digestLines {
            #expect(lines[i + 1].hasPrefix("algorithm: sha256 "), "\(lines[i + 1])")
        }
        #expect(!text.contains("algorithm: sha1 "))

        // Detached: no eContent.
        #expect(lines.contains("eContent: <ABSENT>"))

        // Both the signer and the intermediate are embedded, and nothing else (not the root).
        #expect(lines.filter { $0 == "d.certificate:" }.count == 2)
        let subjects = lines.filter { $0.hasPrefix("subject: ") }
        #expect(subjects.contains { $0.contains("CN=Pass Type ID: pass.dev.passline.loyalty") && $0.contains("OU=DEVTEAM123") }, "\(subjects)")
        #expect(subjects.contains { $0.contains("CN=Passline Development Worldwide Developer Relations Certification Authority") }, "\(subjects)")
        #expect(!subjects.contains { $0.contains("CN=Passline Development Root CA") })
    }

    @Test func tamperedManifestFailsOpenSSLVerification() throws {
        let pki = try DevFixtures.pki()
        let pass = try DevFixtures.buildLoyalty()
        var entries = try zipEntries(pass.pkpass)
        let index = try #require(entries.firstIndex { $0.name == "manifest.json" })
        var manifest = entries[index].data
        // Change one hex digit of a digest: still valid JSON, different bytes.
        let digit = try #require(manifest.firstIndex(of: UInt8(ascii: "a")))
        manifest[digit] = UInt8(ascii: "b")
        entries[index].data = manifest

        let tampered = try opensslVerify(makeZip(entries), rootPEM: pki.rootPEM)
        #expect(tampered.status != 0, "openssl accepted a tampered manifest:\n\(tampered.summary)")
        #expect(!tampered.stderr.contains("Verification successful"))
        // The same check on the untampered bytes passes, so the failure is the tampering.
        #expect(try opensslVerify(pass.pkpass, rootPEM: pki.rootPEM).status == 0)
    }

    // MARK: - Manifest and zip layout

    @Test func manifestListsEveryFileWithItsSHA1() throws {
        let pass = try DevFixtures.buildLoyalty()
        let archive = try PassArchive(bytes: pass.pkpass)
        let files = Dictionary(uniqueKeysWithValues: archive.entries.map { ($0.name, $0.data) })
        let manifestBytes = try #require(files["manifest.json"])
        #expect(manifestBytes == pass.manifest)
        #expect(files["signature"] == pass.signature)
        #expect(files["pass.json"] == pass.passJSON)

        let parsed = try JSONSerialization.jsonObject(with: Data(manifestBytes))
        let manifest = try #require(parsed as? [String: String], "manifest.json is not an object of strings")
        let listed = Set(files.keys).subtracting(["manifest.json", "signature"])
        #expect(Set(manifest.keys) == listed)
        #expect(manifest["manifest.json"] == nil && manifest["signature"] == nil)
        for (name, digest) in manifest {
            let data = try #require(files[name])
            #expect(digest == sha1Hex(data), "\(name)")
            #expect(digest.count == 40)
        }
        // Every template file is in the bundle, byte for byte.
        let template = try DevFixtures.loyaltyTemplate()
        for (name, data) in template.bundleFiles(variant: "base") {
            #expect(files[name] == data, "\(name) differs from the template")
        }
        #expect(Set(template.bundleFiles(variant: "base").keys).union(["pass.json"]) == listed)
    }

    @Test func entriesAreAtTheRootWithoutFolderEntries() throws {
        let pass = try DevFixtures.buildLoyalty()
        let archive = try PassArchive(bytes: pass.pkpass)
        let names = archive.entries.map(\.name)
        #expect(names.count == Set(names).count, "duplicate entries: \(names)")
        #expect(!archive.entries.contains { $0.isDirectory }, "\(names)")
        for name in names {
            let parts = name.split(separator: "/", omittingEmptySubsequences: false)
            let atRoot = parts.count == 1
            let localized = parts.count == 2 && parts[0].hasSuffix(".lproj") && !parts[1].isEmpty
            #expect(atRoot || localized, "\(name) is neither at the root nor in xx.lproj/")
            #expect(!name.hasPrefix("/") && !name.hasPrefix(".") && !name.contains("__MACOSX"), "\(name)")
        }
        for required in ["pass.json", "manifest.json", "signature", "icon.png", "icon@2x.png"] {
            #expect(names.contains(required), "missing \(required)")
        }
        #expect(names.contains("en.lproj/pass.strings") && names.contains("ru.lproj/pass.strings"))
    }

    @Test func unzipAcceptsTheArchiveAndListsTheSameEntries() throws {
        let pass = try DevFixtures.buildLoyalty()
        guard let unzip = Processes.which("unzip") else {
            Issue.record("the unzip command-line tool is required by this test")
            return
        }
        let dir = try TempDir()
        defer { dir.remove() }
        let file = try dir.write("x.pkpass", pass.pkpass)
        let test = try Processes.run(unzip, ["-t", file])
        #expect(test.status == 0, "\(test.summary)")
        #expect(test.stdout.contains("No errors detected"), "\(test.summary)")
        let list = try Processes.run(unzip, ["-Z1", file])
        #expect(list.status == 0)
        let listed = list.stdout.split(separator: "\n").map(String.init)
        #expect(listed == (try PassArchive(bytes: pass.pkpass)).entries.map(\.name))
    }

    // MARK: - Determinism

    @Test func sameInputsAndTimeGiveIdenticalBytes() throws {
        let factory = try DevFixtures.loyaltyFactory()
        let a = try DevFixtures.buildLoyalty(factory: factory)
        let b = try DevFixtures.buildLoyalty(factory: factory)
        #expect(a.pkpass == b.pkpass)
        // A second factory over the same template and credentials agrees too.
        let c = try DevFixtures.buildLoyalty(factory: DevFixtures.loyaltyFactory())
        #expect(a.pkpass == c.pkpass)
    }

    @Test func differentSigningTimeChangesOnlyTheSignature() throws {
        let factory = try DevFixtures.loyaltyFactory()
        let a = try DevFixtures.buildLoyalty(factory: factory)
        let b = try DevFixtures.buildLoyalty(signingTime: DevFixtures.signingTime.addingTimeInterval(60), factory: factory)
        #expect(a.signature != b.signature)
        #expect(a.pkpass != b.pkpass)
        #expect(a.manifest == b.manifest)
        #expect(a.passJSON == b.passJSON)
        let report = PassVerifier.verify(bytes: b.pkpass, trustRoots: [try DevFixtures.root(DevFixtures.pki())])
        #expect(report.signingTime == DevFixtures.signingTime.addingTimeInterval(60))
    }

    // MARK: - Identity, variants, web service

    @Test func identityComesFromTheCertificateNotTheTemplate() throws {
        let pkiB = try DevFixtures.pkiB()
        let dir = try TempDir()
        defer { dir.remove() }
        // A template that (wrongly) carries its own identity: the certificate's must win.
        let copy = try dir.copy(folder: TestPaths.loyaltyTemplate, as: "loyalty")
        var tree = try JSONValue(parsing: readBytes(copy + "/pass.json"))
        tree = tree.merging(patch: .object(["passTypeIdentifier": .string("pass.from.template"), "teamIdentifier": .string("TEMPLATE00")]))
        try dir.write("loyalty/pass.json", tree.prettySerialized())

        let factory = try PassFactory(template: PassTemplate.load(from: copy), signer: DevFixtures.credentials(pkiB))
        let pass = try factory.build(PassRequest(values: DevFixtures.sampleValues(), signingTime: DevFixtures.signingTime))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(pass.passJSON)) as? [String: Any])
        #expect(json["passTypeIdentifier"] as? String == "pass.test.example")
        #expect(json["teamIdentifier"] as? String == "TEAM999")
        #expect(!String(decoding: pass.passJSON, as: UTF8.self).contains("pass.from.template"))

        let report = PassVerifier.verify(bytes: pass.pkpass, trustRoots: [try DevFixtures.root(pkiB)])
        #expect(report.isValid, "\(report.errorText)")
        #expect(report.pass?.passTypeIdentifier == "pass.test.example")
    }

    @Test func goldVariantChangesColorAndStripImages() throws {
        let factory = try DevFixtures.loyaltyFactory()
        let gold = try DevFixtures.buildLoyalty(variant: "gold", factory: factory)
        let base = try DevFixtures.buildLoyalty(factory: factory)
        let goldJSON = try #require(try JSONSerialization.jsonObject(with: Data(gold.passJSON)) as? [String: Any])
        let baseJSON = try #require(try JSONSerialization.jsonObject(with: Data(base.passJSON)) as? [String: Any])
        #expect(goldJSON["backgroundColor"] as? String == "rgb(122, 90, 24)")
        #expect(goldJSON["labelColor"] as? String == "rgb(250, 224, 160)")
        #expect(baseJSON["backgroundColor"] as? String == "rgb(38, 50, 56)")

        let goldFiles = try PassArchive(bytes: gold.pkpass)
        let baseFiles = try PassArchive(bytes: base.pkpass)
        for strip in ["strip.png", "strip@2x.png", "strip@3x.png"] {
            let expected = try readBytes(TestPaths.repo("PassTemplates/loyalty/variants/gold/\(strip)"))
            #expect(goldFiles.file(strip) == expected, "\(strip) is not the gold one")
            #expect(baseFiles.file(strip) == (try readBytes(TestPaths.repo("PassTemplates/loyalty/\(strip)"))))
            #expect(goldFiles.file(strip) != baseFiles.file(strip))
        }
        #expect(goldFiles.file("icon.png") == baseFiles.file("icon.png"))
        let report = PassVerifier.verify(bytes: gold.pkpass, trustRoots: [try DevFixtures.root(DevFixtures.pki())])
        #expect(report.isValid, "\(report.errorText)")
    }

    @Test func webServiceKeysOnlyWithAWebServiceURL() throws {
        let token = "0123456789abcdef0123456789abcdef"
        let withService = try DevFixtures.loyaltyFactory(webServiceURL: "https://passes.example.com/wallet")
        let pass = try withService.build(PassRequest(values: DevFixtures.sampleValues(), authenticationToken: token, signingTime: DevFixtures.signingTime))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(pass.passJSON)) as? [String: Any])
        #expect(json["webServiceURL"] as? String == "https://passes.example.com/wallet")
        #expect(json["authenticationToken"] as? String == token)
        let report = PassVerifier.verify(bytes: pass.pkpass, trustRoots: [try DevFixtures.root(DevFixtures.pki())])
        #expect(report.isValid, "\(report.errorText)")

        let plain = try DevFixtures.buildLoyalty()
        let plainJSON = try #require(try JSONSerialization.jsonObject(with: Data(plain.passJSON)) as? [String: Any])
        #expect(plainJSON["webServiceURL"] == nil)
        #expect(plainJSON["authenticationToken"] == nil)
    }

    @Test func shortOrMissingTokenIsRefused() throws {
        let factory = try DevFixtures.loyaltyFactory(webServiceURL: "https://passes.example.com/wallet")
        let values = try DevFixtures.sampleValues()
        for token in ["short", "123456789012345", nil] as [String?] {
            let error = #expect(throws: TemplateError.self) {
                try factory.build(PassRequest(values: values, authenticationToken: token, signingTime: DevFixtures.signingTime))
            }
            #expect(error?.description.contains("authenticationToken") == true, "\(String(describing: error))")
            #expect(error?.description.contains("16") == true)
        }
        // Exactly 16 characters is enough.
        _ = try factory.build(PassRequest(values: values, authenticationToken: "1234567890123456", signingTime: DevFixtures.signingTime))
    }

    // MARK: - Values

    @Test func awkwardCharactersRenderIntoValidJSONAndRoundTrip() throws {
        let name = "Анна \"Nan\" O'Brien\nsecond line\t\\ back}{{slash}} 🎉♟️ \u{0001}"
        let promo = "</script> & \"quoted\" \r\n 👍🏽"
        var values = try DevFixtures.sampleValues()
        values["holderName"] = .string(name)
        values["promo"] = .string(promo)
        let pass = try DevFixtures.buildLoyalty(values: values)

        // Foundation's parser, independent of the library's.
        let json = try #require(try JSONSerialization.jsonObject(with: Data(pass.passJSON)) as? [String: Any])
        let card = try #require(json["storeCard"] as? [String: Any])
        let primary = try #require((card["primaryFields"] as? [[String: Any]])?.first)
        #expect(primary["value"] as? String == name)
        let back = try #require(card["backFields"] as? [[String: Any]])
        #expect(back.first { $0["key"] as? String == "promo" }?["value"] as? String == promo)
        // The structure is untouched: the same keys as with the sample values.
        let sample = try #require(try JSONSerialization.jsonObject(with: Data(DevFixtures.buildLoyalty().passJSON)) as? [String: Any])
        #expect(Set(json.keys) == Set(sample.keys))

        let report = PassVerifier.verify(bytes: pass.pkpass, trustRoots: [try DevFixtures.root(DevFixtures.pki())])
        #expect(report.isValid, "\(report.errorText)")
    }

    @Test func missingVariableNamesPassJSONAndThePath() throws {
        var values = try DevFixtures.sampleValues()
        values["holderName"] = nil
        let error = #expect(throws: TemplateError.self) { try DevFixtures.buildLoyalty(values: values) }
        let e = try #require(error)
        #expect(e.file.hasSuffix("pass.json"))
        #expect(e.path?.description == "$.storeCard.primaryFields[0].value")
        #expect(e.description.contains("pass.json") && e.description.contains("$.storeCard.primaryFields[0].value"))
        #expect(e.message.contains("holderName"))
    }

    @Test func wrongTypeNamesTemplateJSON() throws {
        var values = try DevFixtures.sampleValues()
        values["points"] = .string("lots")
        let error = #expect(throws: TemplateError.self) { try DevFixtures.buildLoyalty(values: values) }
        let e = try #require(error)
        #expect(e.file.hasSuffix("template.json"))
        #expect(e.description.contains("template.json"))
        #expect(e.description.contains("points"))
        #expect(e.message.contains("integer"))

        var dates = try DevFixtures.sampleValues()
        dates["memberSince"] = .string("yesterday")
        let dateError = #expect(throws: TemplateError.self) { try DevFixtures.buildLoyalty(values: dates) }
        #expect(dateError?.description.contains("template.json") == true)
        #expect(dateError?.description.contains("memberSince") == true)
    }

    // MARK: - .pkpasses bundles

    @Test func bundleOfThreePassesHoldsThreeVerifyingPasses() throws {
        let factory = try DevFixtures.loyaltyFactory()
        var passes: [(name: String, pkpass: [UInt8])] = []
        for i in 1...3 {
            var values = try DevFixtures.sampleValues()
            values["serialNumber"] = .string("BUNDLE-\(i)")
            passes.append((name: "card-\(i)", pkpass: try factory.build(PassRequest(values: values, signingTime: DevFixtures.signingTime)).pkpass))
        }
        let bundle = try PassBundle.pack(passes)
        let archive = try PassArchive(bytes: bundle)
        #expect(archive.entries.map(\.name) == ["card-1.pkpass", "card-2.pkpass", "card-3.pkpass"])
        let root = try DevFixtures.root(DevFixtures.pki())
        for (i, entry) in archive.entries.enumerated() {
            #expect(entry.data == passes[i].pkpass)
            let report = PassVerifier.verify(bytes: entry.data, trustRoots: [root])
            #expect(report.isValid, "\(entry.name): \(report.errorText)")
            #expect(report.pass?.serialNumber == "BUNDLE-\(i + 1)")
        }
    }

    @Test func bundleLimits() throws {
        let pass = try DevFixtures.buildLoyalty().pkpass
        let eleven = (1...11).map { (name: "p\($0)", pkpass: pass) }
        let error = #expect(throws: PassBundle.TooLarge.self) { try PassBundle.pack(eleven) }
        #expect(error?.description.contains("10") == true)
        #expect(throws: PassBundle.TooLarge.self) { try PassBundle.pack([]) }
        let ten = try PassBundle.pack(Array(eleven.prefix(10)))
        #expect(try PassArchive(bytes: ten).entries.count == 10)
    }

    @Test func bundleEntryNamesAreUnique() throws {
        // An unusable name falls back to "pass-<n>"; that fallback must not collide with a name already used.
        let pass = try DevFixtures.buildLoyalty().pkpass
        let bundle = try PassBundle.pack([(name: "pass-2", pkpass: pass), (name: "", pkpass: pass), (name: "card", pkpass: pass), (name: "card", pkpass: pass)])
        let names = try PassArchive(bytes: bundle).entries.map(\.name)
        #expect(names.count == 4)
        #expect(Set(names).count == names.count, "duplicate entries in the .pkpasses zip: \(names)")
        #expect(names.allSatisfy { $0.hasSuffix(".pkpass") })
    }

    @Test func templateWithVariantsButNoDefault() throws {
        // template.json declares variants but no defaultVariant (the linter accepts that):
        // a request without a variant either uses the unpatched pass.json or says which variants exist.
        let dir = try TempDir()
        defer { dir.remove() }
        let copy = try dir.copy(folder: TestPaths.loyaltyTemplate, as: "loyalty")
        var manifest = try JSONValue(parsing: readBytes(copy + "/template.json"))
        manifest = manifest.merging(patch: .object(["defaultVariant": .null]))
        try dir.write("loyalty/template.json", manifest.prettySerialized())
        let template = try PassTemplate.load(from: copy)
        #expect(template.manifest.defaultVariant == nil)
        #expect(!TemplateLinter.lint(template).contains { $0.severity == .error })
        let factory = try PassFactory(template: template, signer: DevFixtures.credentials())
        do {
            let pass = try factory.build(PassRequest(values: DevFixtures.sampleValues(), signingTime: DevFixtures.signingTime))
            let json = try #require(try JSONSerialization.jsonObject(with: Data(pass.passJSON)) as? [String: Any])
            #expect(json["backgroundColor"] as? String == "rgb(38, 50, 56)")
        } catch let error as TemplateError {
            #expect(!error.message.contains("unknown variant \"\""), "a request without a variant is refused as: \(error)")
            #expect(error.message.contains("gold") && error.message.contains("silver"), "the error should list the variants: \(error)")
        }
    }

    // MARK: - Concurrency

    @Test func twoHundredPassesFromEightTasksShareOneFactory() async throws {
        let factory = try DevFixtures.loyaltyFactory()
        let sample = try DevFixtures.sampleValues()
        let time = DevFixtures.signingTime
        let built = try await withThrowingTaskGroup(of: [(Int, BuiltPass)].self) { group in
            for task in 0..<8 {
                group.addTask {
                    var out: [(Int, BuiltPass)] = []
                    for n in stride(from: task, to: 200, by: 8) {
                        var values = sample
                        values["serialNumber"] = .string("CONC-\(n)")
                        values["points"] = .integer(Int64(n))
                        out.append((n, try factory.build(PassRequest(values: values, variant: ["base", "silver", "gold"][n % 3], signingTime: time))))
                    }
                    return out
                }
            }
            var all: [(Int, BuiltPass)] = []
            for try await part in group { all += part }
            return all
        }
        #expect(built.count == 200)
        #expect(Set(built.map(\.1.serialNumber)).count == 200)
        let root = try DevFixtures.root(DevFixtures.pki())
        var invalid: [String] = []
        for (n, pass) in built {
            #expect(pass.serialNumber == "CONC-\(n)")
            let report = PassVerifier.verify(bytes: pass.pkpass, trustRoots: [root])
            if !report.isValid || report.pass?.serialNumber != "CONC-\(n)" { invalid.append("CONC-\(n): \(report.errorText)") }
        }
        #expect(invalid.isEmpty, "\(invalid.prefix(5).joined(separator: "\n"))")
        // Concurrency does not change the bytes: a sequential rebuild of one pass is identical.
        let (n, concurrent) = try #require(built.first { $0.0 == 37 })
        var values = sample
        values["serialNumber"] = .string("CONC-\(n)")
        values["points"] = .integer(Int64(n))
        #expect(try factory.build(PassRequest(values: values, variant: ["base", "silver", "gold"][n % 3], signingTime: time)).pkpass == concurrent.pkpass)
    }
}
