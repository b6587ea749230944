import Foundation
import Testing
import TestSupport
import X509

@testable import PassBuilder

/// `PassVerifier` on good passes, on each way a pass goes wrong, and on Apple's own samples.
@Suite struct VerifierTests {
    typealias Entries = [(name: String, data: [UInt8])]

    static func root() throws -> Certificate { try DevFixtures.root(DevFixtures.pki()) }

    /// The entries of a freshly built loyalty pass, changed by `change`, zipped again.
    static func modified(_ change: (inout Entries) throws -> Void) throws -> [UInt8] {
        var entries = try zipEntries(DevFixtures.buildLoyalty().pkpass)
        try change(&entries)
        return makeZip(entries)
    }

    static func verify(_ bytes: [UInt8]) throws -> VerificationReport {
        PassVerifier.verify(bytes: bytes, trustRoots: [try root()])
    }

    /// Rewrites pass.json with `patch`, puts its new SHA-1 in the manifest and signs that manifest
    /// with `signer`, as someone holding the key could.
    static func resigned(patch: [String: JSONValue], signer: SigningCredentials) throws -> [UInt8] {
        try modified { entries in
            let p = try #require(entries.firstIndex { $0.name == "pass.json" })
            let m = try #require(entries.firstIndex { $0.name == "manifest.json" })
            let s = try #require(entries.firstIndex { $0.name == "signature" })
            let pass = try JSONValue(parsing: entries[p].data).merging(patch: .object(patch)).serialized()
            var manifest = try #require(try JSONValue(parsing: entries[m].data).objectValue)
            manifest["pass.json"] = .string(sha1Hex(pass))
            let manifestBytes = JSONValue.object(manifest).serialized()
            entries[p].data = pass
            entries[m].data = manifestBytes
            entries[s].data = try signer.sign(manifest: manifestBytes, signingTime: DevFixtures.signingTime)
        }
    }

    // MARK: - Valid

    @Test func freshPassIsValid() throws {
        let report = try Self.verify(DevFixtures.buildLoyalty().pkpass)
        #expect(report.isValid, "\(report.allText)")
        #expect(report.errors.isEmpty)
        #expect(report.pass?.passTypeIdentifier == "pass.dev.passline.loyalty")
        #expect(report.pass?.teamIdentifier == "DEVTEAM123")
        #expect(report.pass?.serialNumber == "SAMPLE-0001")
        #expect(report.signingTime == DevFixtures.signingTime)
        #expect(report.checks.contains { $0.level == .ok && $0.area == "signature" && $0.message.contains("SHA256") })
        #expect(report.checks.contains { $0.level == .ok && $0.message.contains("trusted root") })
        // A development intermediate is not Apple's: a warning, not an error.
        #expect(report.warnings.contains { $0.message.contains("not Apple's") })
    }

    @Test func resigningAnUnchangedPassStaysValid() throws {
        // The control for the re-signing cases below: re-signing alone breaks nothing.
        let bytes = try Self.resigned(patch: [:], signer: DevFixtures.credentials())
        let report = try Self.verify(bytes)
        #expect(report.isValid, "\(report.errorText)")
    }

    // MARK: - Bundle contents

    @Test func imageChangedAfterSigning() throws {
        let bytes = try Self.modified { entries in
            let i = try #require(entries.firstIndex { $0.name == "icon.png" })
            entries[i].data[entries[i].data.count - 20] ^= 0xFF
        }
        let report = try Self.verify(bytes)
        #expect(!report.isValid)
        #expect(report.errors.contains { $0.area == "manifest" && $0.message.hasPrefix("icon.png:") && $0.message.contains("SHA-1") && $0.message.contains("changed after signing") }, "\(report.errorText)")
        #expect(report.errors.count == 1, "only icon.png is wrong: \(report.errorText)")
    }

    @Test func fileNotInTheManifest() throws {
        let bytes = try Self.modified { $0.append((name: "thumbnail.png", data: Array("extra".utf8))) }
        let report = try Self.verify(bytes)
        #expect(!report.isValid)
        #expect(report.hasError("manifest", containing: "thumbnail.png is not in the manifest"), "\(report.errorText)")
    }

    @Test func fileInTheManifestButNotInTheBundle() throws {
        let bytes = try Self.modified { $0.removeAll { $0.name == "logo@3x.png" } }
        let report = try Self.verify(bytes)
        #expect(!report.isValid)
        #expect(report.hasError("manifest", containing: "logo@3x.png is in the manifest but not in the bundle"), "\(report.errorText)")
    }

    @Test(arguments: ["__MACOSX/._icon.png", ".DS_Store", "en.lproj/.DS_Store"])
    func junkEntries(_ junk: String) throws {
        let bytes = try Self.modified { $0.append((name: junk, data: [0, 5, 22, 7])) }
        let report = try Self.verify(bytes)
        #expect(!report.isValid)
        #expect(report.hasError("zip", containing: "junk entry \(junk)"), "\(report.errorText)")
    }

    @Test(arguments: ["../icon.png", "/etc/icon.png"])
    func unsafeEntryNames(_ name: String) throws {
        let bytes = try Self.modified { $0.append((name: name, data: [1, 2, 3])) }
        let report = try Self.verify(bytes)
        #expect(!report.isValid)
        #expect(report.errors.contains { $0.area == "zip" && $0.message.contains(name) }, "\(report.errorText)")
    }

    @Test func nestedFolderEntry() throws {
        let icon = try readBytes(TestPaths.repo("PassTemplates/loyalty/icon.png"))
        let bytes = try Self.modified { entries in
            entries.append((name: "images/", data: []))
            entries.append((name: "images/x.png", data: icon))
        }
        let report = try Self.verify(bytes)
        #expect(!report.isValid)
        #expect(report.hasError("zip", containing: "folder images/"), "\(report.errorText)")
        #expect(report.hasError("zip", containing: "nested entry images/x.png"), "\(report.errorText)")
    }

    @Test func filesInsideATopLevelFolder() throws {
        // The classic mistake: zipping the pass folder instead of its contents.
        let bytes = try Self.modified { entries in
            entries = [(name: "Card.pass/", data: [])] + entries.map { (name: "Card.pass/\($0.name)", data: $0.data) }
        }
        let report = try Self.verify(bytes)
        #expect(!report.isValid)
        #expect(report.hasError("zip", containing: "nested entry Card.pass/pass.json"), "\(report.errorText)")
        #expect(report.hasError("zip", containing: "zip the contents of the pass folder"))
        #expect(report.hasError("zip", containing: "missing pass.json"))
        #expect(report.hasError("zip", containing: "missing icon.png"))
    }

    // MARK: - Signature

    @Test func missingSignature() throws {
        let bytes = try Self.modified { $0.removeAll { $0.name == "signature" } }
        let report = try Self.verify(bytes)
        #expect(!report.isValid)
        #expect(report.hasError("signature", containing: "missing"), "\(report.errorText)")
        #expect(report.hasError("signature", containing: "no signature file"))
    }

    @Test func signatureOverOtherBytes() throws {
        let credentials = try DevFixtures.credentials()
        let bytes = try Self.modified { entries in
            let m = try #require(entries.firstIndex { $0.name == "manifest.json" })
            let s = try #require(entries.firstIndex { $0.name == "signature" })
            // A well-formed signature by the right signer, over a different manifest.
            entries[s].data = try credentials.sign(manifest: entries[m].data + Array(" ".utf8), signingTime: DevFixtures.signingTime)
        }
        let report = try Self.verify(bytes)
        #expect(!report.isValid)
        #expect(report.hasError("signature", containing: "does not verify over manifest.json"), "\(report.errorText)")
    }

    @Test func signatureOfAnotherPassSwappedIn() throws {
        var values = try DevFixtures.sampleValues()
        values["serialNumber"] = .string("OTHER-PASS")
        let other = try DevFixtures.buildLoyalty(values: values)
        let bytes = try Self.modified { entries in
            let s = try #require(entries.firstIndex { $0.name == "signature" })
            entries[s].data = other.signature
        }
        let report = try Self.verify(bytes)
        #expect(!report.isValid)
        #expect(report.hasError("signature", containing: "does not verify"), "\(report.errorText)")
    }

    @Test func signerPassTypeDiffersFromPassJSON() throws {
        let bytes = try Self.resigned(patch: ["passTypeIdentifier": .string("pass.someone.else")], signer: DevFixtures.credentials())
        let report = try Self.verify(bytes)
        #expect(!report.isValid)
        // The signature itself is fine; the identity is what is wrong.
        #expect(!report.hasError("signature", containing: "does not verify"), "\(report.errorText)")
        #expect(report.errors.contains {
            $0.area == "certificate" && $0.message.contains("pass type") && $0.message.contains("pass.dev.passline.loyalty") && $0.message.contains("pass.someone.else")
        }, "\(report.errorText)")
    }

    @Test func signerTeamDiffersFromPassJSON() throws {
        let bytes = try Self.resigned(patch: ["teamIdentifier": .string("OTHERTEAM1")], signer: DevFixtures.credentials())
        let report = try Self.verify(bytes)
        #expect(!report.isValid)
        #expect(report.errors.contains {
            $0.area == "certificate" && $0.message.contains("team") && $0.message.contains("DEVTEAM123") && $0.message.contains("OTHERTEAM1")
        }, "\(report.errorText)")
        #expect(!report.hasError(containing: "pass type"))
    }

    @Test func signatureWithoutTheIntermediate() throws {
        let bare = try DevFixtures.credentials(DevFixtures.pki(), intermediates: false)
        #expect(bare.chain.isEmpty)
        let factory = try DevFixtures.loyaltyFactory(signer: bare)
        let pass = try DevFixtures.buildLoyalty(factory: factory)
        let report = try Self.verify(pass.pkpass)
        #expect(!report.isValid)
        #expect(report.hasError("certificate", containing: "intermediate"), "\(report.errorText)")
        #expect(report.hasError("certificate", containing: "is not embedded"))
        // Cryptographically the signature is still good.
        #expect(report.checks.contains { $0.level == .ok && $0.area == "signature" && $0.message.contains("verifies") })
    }

    @Test func wrongTrustRoot() throws {
        let pass = try DevFixtures.buildLoyalty()
        let report = PassVerifier.verify(bytes: pass.pkpass, trustRoots: [try DevFixtures.root(DevFixtures.pkiB())])
        #expect(!report.isValid)
        #expect(report.hasError("certificate", containing: "does not chain to the given trusted root"), "\(report.errorText)")
        // Apple's WWDR G4 is not the root either.
        let g4 = try Certificate(derEncoded: readBytes(TestPaths.bundledWWDRG4))
        #expect(!PassVerifier.verify(bytes: pass.pkpass, trustRoots: [g4]).isValid)
    }

    @Test func signedByAnotherPKIsIdentity() throws {
        // A pass whose pass.json names PKI A but whose signature is by PKI B.
        let bytes = try Self.resigned(patch: [:], signer: DevFixtures.credentials(DevFixtures.pkiB()))
        let report = try Self.verify(bytes)
        #expect(!report.isValid)
        #expect(report.hasError("certificate", containing: "pass type"), "\(report.errorText)")
        #expect(report.hasError("certificate", containing: "team"))
        #expect(report.hasError("certificate", containing: "does not chain"))
    }

    // MARK: - Not a pass

    @Test(arguments: [
        ("garbage", Array("this is not a zip file at all, just some text\n".utf8)),
        ("empty", []),
        ("zip magic", [0x50, 0x4B, 0x03, 0x04, 0xFF, 0xFF, 0xFF, 0xFF]),
    ] as [(String, [UInt8])])
    func notAZip(_ label: String, _ bytes: [UInt8]) throws {
        let report = try Self.verify(bytes)
        #expect(!report.isValid, "\(label)")
        #expect(report.errors.contains { $0.area == "zip" }, "\(label): \(report.allText)")
        #expect(report.pass == nil)
    }

    @Test func truncatedPass() throws {
        let pass = try DevFixtures.buildLoyalty().pkpass
        for length in [pass.count / 2, pass.count - 10, 30] {
            let report = try Self.verify(Array(pass.prefix(length)))
            #expect(!report.isValid, "truncated to \(length) bytes")
            #expect(!report.errors.isEmpty)
        }
    }

    @Test func emptyZipAndEmptyFile() throws {
        let report = try Self.verify(makeZip([]))
        #expect(!report.isValid)
        #expect(report.hasError("zip", containing: "missing pass.json"), "\(report.allText)")
        #expect(report.hasError("signature", containing: "missing"))

        let dir = try TempDir()
        defer { dir.remove() }
        let empty = try dir.write("empty.pkpass", [UInt8]())
        let fromFile = PassVerifier.verify(fileAt: empty, trustRoots: [try Self.root()])
        #expect(!fromFile.isValid)
        #expect(!fromFile.errors.isEmpty)

        let none = PassVerifier.verify(fileAt: dir.file("absent.pkpass"))
        #expect(!none.isValid)
        #expect(none.hasError("file", containing: "no such file"), "\(none.allText)")
    }

    @Test func signatureThatIsNotCMS() throws {
        let bytes = try Self.modified { entries in
            let s = try #require(entries.firstIndex { $0.name == "signature" })
            entries[s].data = Array("-----BEGIN PKCS7-----\nnope\n-----END PKCS7-----\n".utf8)
        }
        let report = try Self.verify(bytes)
        #expect(!report.isValid)
        #expect(report.hasError("signature", containing: "not a CMS SignedData"), "\(report.errorText)")
    }

    // MARK: - Apple's samples

    @Test func appleSamplePassesAreValid() throws {
        let passes = try TestPaths.appleSamplePasses()
        #expect(passes.count == 5, "\(passes)")
        for path in passes {
            let name = URL(fileURLWithPath: path).lastPathComponent
            let report = PassVerifier.verify(fileAt: path)
            #expect(report.errors.isEmpty, "\(name):\n\(report.errorText)")
            #expect(report.isValid, "\(name)")
            #expect(report.warnings.contains { $0.message.contains("intermediate") && $0.message.contains("expired") }, "\(name):\n\(report.allText)")
            #expect(report.checks.contains { $0.level == .ok && $0.area == "signature" && $0.message.contains("SHA1") }, "\(name):\n\(report.allText)")
            #expect(report.checks.contains { $0.level == .ok && $0.message.contains("matches passTypeIdentifier") }, "\(name):\n\(report.allText)")
            #expect(report.checks.contains { $0.level == .ok && $0.area == "manifest" }, "\(name)")
            #expect(report.pass?.passTypeIdentifier == "pass.com.apple.devpubs.example", "\(name)")
            #expect(report.signingTime != nil, "\(name)")
        }
    }

    @Test func tamperedAppleSampleIsInvalid() throws {
        let path = try #require(try TestPaths.appleSamplePasses().first { $0.hasSuffix("StoreCard.pkpass") })
        var entries = try zipEntries(readBytes(path))
        let i = try #require(entries.firstIndex { $0.name == "pass.json" })
        entries[i].data = Array(String(decoding: entries[i].data, as: UTF8.self).replacingOccurrences(of: "Organic Produce", with: "Organic Product").utf8)
        let report = PassVerifier.verify(bytes: makeZip(entries))
        #expect(!report.isValid)
        #expect(report.hasError("manifest", containing: "pass.json"), "\(report.errorText)")
    }
}
