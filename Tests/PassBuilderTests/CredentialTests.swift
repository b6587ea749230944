import Foundation
import Testing
import TestSupport
import X509

@testable import PassBuilder

/// Loading signing credentials in every shape the openssl CLI (and Keychain) produces, the errors
/// for bad ones, the start-up `CredentialReport`, and what `PassCertificateInfo` reads.
@Suite struct CredentialTests {
    static let password = "secret"

    /// The default development PKI's files, plus the encrypted forms made with the openssl CLI.
    struct Files {
        let dir: TempDir
        var cert: String { dir.file("pass.pem") }
        var key: String { dir.file("pass.key") }
        var wwdr: String { dir.file("wwdr.pem") }

        init() throws {
            dir = try TempDir("passline-creds")
            try DevFixtures.pki().write(to: dir.path)
        }

        func remove() { dir.remove() }

        func bytes(_ name: String) throws -> [UInt8] { try dir.read(name) }

        /// `openssl pkcs8 -topk8 -v2 aes-256-cbc`: an encrypted PKCS #8 key.
        func encryptedPKCS8() throws -> String {
            try Processes.opensslOK(["pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", "pass.key", "-out", "enc8.pem", "-passout", "pass:\(password)"], in: dir.path)
            let text = String(decoding: try bytes("enc8.pem"), as: UTF8.self)
            #expect(text.contains("BEGIN ENCRYPTED PRIVATE KEY"), "not an encrypted PKCS#8 key:\n\(text)")
            return dir.file("enc8.pem")
        }

        /// `openssl rsa -aes256 -traditional`: a traditional (PKCS #1, Proc-Type) encrypted RSA key.
        func traditionalEncrypted() throws -> String {
            try Processes.opensslOK(["rsa", "-aes256", "-traditional", "-in", "pass.key", "-out", "trad.pem", "-passout", "pass:\(password)"], in: dir.path)
            let text = String(decoding: try bytes("trad.pem"), as: UTF8.self)
            #expect(text.contains("BEGIN RSA PRIVATE KEY") && text.contains("Proc-Type: 4,ENCRYPTED"), "not a traditional encrypted key:\n\(text)")
            return dir.file("trad.pem")
        }

        /// `openssl pkcs12 -export -legacy`: RC2-40 for the certificates, as Keychain exports.
        func legacyP12() throws -> String {
            try Processes.opensslOK(
                ["pkcs12", "-export", "-legacy", "-in", "pass.pem", "-inkey", "pass.key", "-certfile", "wwdr.pem", "-out", "legacy.p12", "-passout", "pass:\(password)"],
                in: dir.path)
            let info = try Processes.openssl(["pkcs12", "-info", "-noout", "-legacy", "-in", "legacy.p12", "-passin", "pass:\(password)"], in: dir.path)
            #expect(info.stderr.contains("RC2") || info.stdout.contains("RC2"), "not an RC2 p12:\n\(info.summary)")
            return dir.file("legacy.p12")
        }

        /// `openssl pkcs12 -export`: OpenSSL 3's default (PBES2, AES-256).
        func modernP12() throws -> String {
            try Processes.opensslOK(
                ["pkcs12", "-export", "-in", "pass.pem", "-inkey", "pass.key", "-certfile", "wwdr.pem", "-out", "modern.p12", "-passout", "pass:\(password)"],
                in: dir.path)
            let info = try Processes.openssl(["pkcs12", "-info", "-noout", "-in", "modern.p12", "-passin", "pass:\(password)"], in: dir.path)
            #expect(info.stderr.contains("PBES2") || info.stdout.contains("PBES2"), "not a PBES2 p12:\n\(info.summary)")
            return dir.file("modern.p12")
        }
    }

    /// A PKI made at a fixed instant, for expiry checks with an injected `now`.
    static let fixedNow = Date(timeIntervalSince1970: 1_800_000_000)
    static let dated = Result<DevelopmentPKI, TestSetupError> { () throws(TestSetupError) in
        do { return try DevelopmentPKI.generate(now: fixedNow) } catch { throw TestSetupError("\(error)") }
    }

    /// The credentials really sign: a loyalty pass built with them verifies against the dev root.
    static func expectSigns(_ credentials: SigningCredentials, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(credentials.identity == DevelopmentPKI.defaultIdentity, sourceLocation: sourceLocation)
        #expect(credentials.certificate == (try DevFixtures.leaf(DevFixtures.pki())), sourceLocation: sourceLocation)
        #expect(credentials.chain.contains(try DevFixtures.intermediate(DevFixtures.pki())), sourceLocation: sourceLocation)
        let pass = try DevFixtures.buildLoyalty(factory: DevFixtures.loyaltyFactory(signer: credentials))
        let report = PassVerifier.verify(bytes: pass.pkpass, trustRoots: [try DevFixtures.root(DevFixtures.pki())])
        #expect(report.isValid, "\(report.errorText)", sourceLocation: sourceLocation)
    }

    // MARK: - Loading

    @Test func encryptedPKCS8KeyLoadsWithThePassword() throws {
        let files = try Files()
        defer { files.remove() }
        let key = try files.encryptedPKCS8()
        let credentials = try SigningCredentials.load(
            certificate: files.bytes("pass.pem"), key: readBytes(key), password: Self.password, intermediates: [files.bytes("wwdr.pem")])
        try Self.expectSigns(credentials)
    }

    @Test func traditionalEncryptedRSAKeyLoadsWithThePassword() throws {
        let files = try Files()
        defer { files.remove() }
        let key = try files.traditionalEncrypted()
        let credentials = try SigningCredentials.load(
            certificate: files.bytes("pass.pem"), key: readBytes(key), password: Self.password, intermediates: [files.bytes("wwdr.pem")])
        try Self.expectSigns(credentials)
    }

    @Test func legacyP12LoadsWithThePassword() throws {
        let files = try Files()
        defer { files.remove() }
        let p12 = try files.legacyP12()
        let credentials = try SigningCredentials.load(p12: readBytes(p12), password: Self.password)
        #expect(credentials.chain.count == 1, "the p12's wwdr.pem becomes the chain")
        try Self.expectSigns(credentials)
    }

    @Test func modernP12LoadsWithThePassword() throws {
        let files = try Files()
        defer { files.remove() }
        let p12 = try files.modernP12()
        let credentials = try SigningCredentials.load(p12: readBytes(p12), password: Self.password)
        #expect(credentials.chain.count == 1)
        try Self.expectSigns(credentials)
    }

    @Test func p12ThroughCredentialFiles() throws {
        let files = try Files()
        defer { files.remove() }
        let p12 = try files.legacyP12()
        // The intermediate is given again: an exact duplicate is not embedded twice.
        let credentials = try SigningCredentials.load(files: CredentialFiles(source: .p12(p12), password: Self.password, intermediates: [files.wwdr]))
        #expect(credentials.chain.count == 1)
        try Self.expectSigns(credentials)
    }

    @Test func unencryptedFilesThroughCredentialFiles() throws {
        let files = try Files()
        defer { files.remove() }
        let credentials = try SigningCredentials.load(files: DevelopmentPKI.files(in: files.dir.path))
        try Self.expectSigns(credentials)
    }

    @Test func pemBundlePicksTheSignerByItsKey() throws {
        let pki = try DevFixtures.pki()
        // Intermediate first: the leaf is still chosen as the signer, because it holds the key's public half.
        let bundle = Array((pki.intermediatePEM + "\n" + pki.certificatePEM + "\n").utf8)
        let credentials = try SigningCredentials.load(certificate: bundle, key: Array(pki.keyPEM.utf8))
        try Self.expectSigns(credentials)
        #expect(credentials.chain.count == 1)
    }

    @Test func derCertificateAndOnlyTheIssuingIntermediateIsEmbedded() throws {
        let pki = try DevFixtures.pki()
        // PEM body, base64-decoded: the DER certificate.
        let body = pki.certificatePEM.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        let leafDER = try #require(Data(base64Encoded: body).map { [UInt8]($0) })
        #expect(leafDER.first == 0x30)
        // Apple's G4 (DER) given as well: it did not issue the dev leaf, so it is not embedded.
        let credentials = try SigningCredentials.load(
            certificate: leafDER, key: Array(pki.keyPEM.utf8),
            intermediates: [readBytes(TestPaths.bundledWWDRG4), Array(pki.intermediatePEM.utf8)])
        #expect(credentials.chain == [try DevFixtures.intermediate(pki)])
        try Self.expectSigns(credentials)
    }

    @Test func p12CarryingTheRootEmbedsOnlyTheIssuer() throws {
        let files = try Files()
        defer { files.remove() }
        let pki = try DevFixtures.pki()
        try files.dir.write("chain.pem", pki.rootPEM + "\n" + pki.intermediatePEM + "\n")
        try Processes.opensslOK(
            ["pkcs12", "-export", "-in", "pass.pem", "-inkey", "pass.key", "-certfile", "chain.pem", "-out", "full.p12", "-passout", "pass:\(Self.password)"],
            in: files.dir.path)
        let credentials = try SigningCredentials.load(p12: files.bytes("full.p12"), password: Self.password)
        #expect(credentials.chain == [try DevFixtures.intermediate(pki)])
        try Self.expectSigns(credentials)
        let pass = try DevFixtures.buildLoyalty(factory: DevFixtures.loyaltyFactory(signer: credentials))
        try files.dir.write("signature", pass.signature)
        let printed = try Processes.openssl(["cms", "-cmsout", "-print", "-inform", "DER", "-in", "signature"], in: files.dir.path)
        #expect(printed.stdout.components(separatedBy: "d.certificate:").count - 1 == 2, "\(printed.summary)")
        #expect(!printed.stdout.contains("subject: C=US, O=Passline Development, CN=Passline Development Root CA"))
    }

    // MARK: - Errors

    @Test func wrongPasswordSaysSo() throws {
        let files = try Files()
        defer { files.remove() }
        for key in [try files.encryptedPKCS8(), try files.traditionalEncrypted()] {
            let error = #expect(throws: CredentialError.self) {
                try SigningCredentials.load(certificate: files.bytes("pass.pem"), key: readBytes(key), password: "wrong")
            }
            #expect(error?.message.contains("password") == true, "\(key): \(String(describing: error))")
            #expect(error?.message.hasPrefix("private key") == true, "\(String(describing: error))")
        }
        for p12 in [try files.legacyP12(), try files.modernP12()] {
            let error = #expect(throws: CredentialError.self) { try SigningCredentials.load(p12: readBytes(p12), password: "wrong") }
            #expect(error?.message.contains("wrong password") == true, "\(p12): \(String(describing: error))")
        }
    }

    @Test func missingPasswordForAnEncryptedKeySaysSo() throws {
        let files = try Files()
        defer { files.remove() }
        for key in [try files.encryptedPKCS8(), try files.traditionalEncrypted()] {
            let error = #expect(throws: CredentialError.self) {
                try SigningCredentials.load(certificate: files.bytes("pass.pem"), key: readBytes(key))
            }
            #expect(error?.message.contains("encrypted") == true, "\(String(describing: error))")
            #expect(error?.message.contains("a password is required") == true, "\(String(describing: error))")
        }
        let p12 = try files.modernP12()
        let error = #expect(throws: CredentialError.self) { try SigningCredentials.load(p12: readBytes(p12), password: "") }
        #expect(error?.message.contains("password") == true, "\(String(describing: error))")
    }

    @Test func wrongPasswordThroughFilesNamesTheKeyFile() throws {
        let files = try Files()
        defer { files.remove() }
        let key = try files.encryptedPKCS8()
        let error = #expect(throws: CredentialError.self) {
            try SigningCredentials.load(files: CredentialFiles(source: .pem(certificate: files.cert, key: key), password: "wrong", intermediates: [files.wwdr]))
        }
        #expect(error?.file == key)
        #expect(error?.description.contains(key) == true)
        #expect(error?.message.contains("password") == true)
    }

    @Test func keyFromAnotherPairDoesNotBelong() throws {
        let a = try DevFixtures.pki(), b = try DevFixtures.pkiB()
        let error = #expect(throws: CredentialError.self) {
            try SigningCredentials.load(certificate: Array(a.certificatePEM.utf8), key: Array(b.keyPEM.utf8), intermediates: [Array(a.intermediatePEM.utf8)])
        }
        #expect(error?.message.contains("does not belong") == true, "\(String(describing: error))")
    }

    @Test func nonCertificateFileIsNamed() throws {
        let files = try Files()
        defer { files.remove() }
        let notCert = try files.dir.write("notes.txt", "this is not a certificate\n")
        let error = #expect(throws: CredentialError.self) {
            try SigningCredentials.load(files: CredentialFiles(source: .pem(certificate: notCert, key: files.key), intermediates: [files.wwdr]))
        }
        #expect(error?.file == notCert, "\(String(describing: error))")
        #expect(error?.description.contains(notCert) == true)
        #expect(error?.message.contains("not a PEM or DER X.509 certificate") == true, "\(String(describing: error))")

        // The key given where the certificate goes, and the certificate where the key goes.
        let swapped = #expect(throws: CredentialError.self) {
            try SigningCredentials.load(files: CredentialFiles(source: .pem(certificate: files.cert, key: files.cert)))
        }
        #expect(swapped?.file == files.cert)
        #expect(swapped?.message.contains("private key") == true, "\(String(describing: swapped))")

        let notP12 = #expect(throws: CredentialError.self) {
            try SigningCredentials.load(files: CredentialFiles(source: .p12(notCert), password: "x"))
        }
        #expect(notP12?.file == notCert)
        #expect(notP12?.message.contains("PKCS#12") == true, "\(String(describing: notP12))")
    }

    @Test func intermediateThatIsNotACertificateIsNamed() throws {
        let files = try Files()
        defer { files.remove() }
        let notCert = try files.dir.write("notes.txt", "this is not a certificate\n")
        let error = #expect(throws: CredentialError.self) {
            try SigningCredentials.load(files: CredentialFiles(source: .pem(certificate: files.cert, key: files.key), intermediates: [files.wwdr, notCert]))
        }
        #expect(error?.message.contains("intermediate") == true, "\(String(describing: error))")
        // With several files configured, the error must say which one is not a certificate.
        #expect(error?.description.contains(notCert) == true, "the intermediate's file is not named: \(String(describing: error))")
    }

    @Test func missingFileIsNamed() throws {
        let files = try Files()
        defer { files.remove() }
        let absent = files.dir.file("absent.pem")
        for source in [CredentialFiles.Source.pem(certificate: absent, key: files.key), .pem(certificate: files.cert, key: absent), .p12(absent)] {
            let error = #expect(throws: CredentialError.self) { try SigningCredentials.load(files: CredentialFiles(source: source)) }
            #expect(error?.file == absent)
            #expect(error?.message == "no such file")
        }
    }

    // MARK: - CredentialReport

    @Test func developmentCredentialsAreUsableWithAWarning() throws {
        let report = CredentialReport.check(try DevFixtures.credentials())
        #expect(report.isUsable, "\(report.findings)")
        #expect(!report.findings.contains { $0.level == .error })
        #expect(report.findings.contains { $0.level == .warning && $0.message.contains("not Apple's WWDR G4") }, "\(report.findings)")
        #expect(report.findings.contains { $0.level == .ok && $0.message.contains("pass type ID pass.dev.passline.loyalty") })
        #expect(report.findings.contains { $0.level == .ok && $0.message.contains("team ID DEVTEAM123") })
        #expect(!report.findings.contains { $0.message.contains("expires in") })
    }

    @Test func expiringWithinThirtyDaysIsAWarning() throws {
        let pki = try Self.dated.get()
        let credentials = try DevFixtures.credentials(pki)
        let report = CredentialReport.check(credentials, now: Self.fixedNow.addingTimeInterval(340 * 86_400))
        #expect(report.isUsable, "\(report.findings)")
        #expect(report.findings.contains { $0.level == .warning && $0.message.contains("expires in 25 days") }, "\(report.findings)")
        // The same credentials a day after issue: no expiry warning.
        let early = CredentialReport.check(credentials, now: Self.fixedNow.addingTimeInterval(86_400))
        #expect(!early.findings.contains { $0.message.contains("expires in") })
    }

    @Test func expiredIsAnError() throws {
        let pki = try Self.dated.get()
        let report = CredentialReport.check(try DevFixtures.credentials(pki), now: Self.fixedNow.addingTimeInterval(2 * 365 * 86_400))
        #expect(!report.isUsable)
        #expect(report.findings.contains { $0.level == .error && $0.message.contains("expired") }, "\(report.findings)")
    }

    @Test func notYetValidIsAnError() throws {
        let pki = try Self.dated.get()
        let report = CredentialReport.check(try DevFixtures.credentials(pki), now: Self.fixedNow.addingTimeInterval(-2 * 86_400))
        #expect(!report.isUsable)
        #expect(report.findings.contains { $0.level == .error && $0.message.contains("not valid before") }, "\(report.findings)")
    }

    @Test func configuredIdentityMismatchIsAnError() throws {
        let credentials = try DevFixtures.credentials()
        let matching = CredentialReport.check(credentials, expected: DevelopmentPKI.defaultIdentity)
        #expect(matching.isUsable, "\(matching.findings)")

        let otherType = CredentialReport.check(credentials, expected: PassIdentity(passTypeIdentifier: "pass.other.example", teamIdentifier: "DEVTEAM123"))
        #expect(!otherType.isUsable)
        #expect(otherType.findings.contains { $0.level == .error && $0.message.contains("pass.other.example") && $0.message.contains("passTypeIdentifier") }, "\(otherType.findings)")

        let otherTeam = CredentialReport.check(credentials, expected: PassIdentity(passTypeIdentifier: "pass.dev.passline.loyalty", teamIdentifier: "OTHERTEAM"))
        #expect(!otherTeam.isUsable)
        #expect(otherTeam.findings.contains { $0.level == .error && $0.message.contains("OTHERTEAM") && $0.message.contains("teamIdentifier") }, "\(otherTeam.findings)")
    }

    @Test func noIntermediateIsAnError() throws {
        let report = CredentialReport.check(try DevFixtures.credentials(DevFixtures.pki(), intermediates: false))
        #expect(!report.isUsable)
        #expect(report.findings.contains { $0.level == .error && $0.message.contains("no intermediate") }, "\(report.findings)")
    }

    @Test func intermediateThatDidNotIssueTheCertificateIsAnError() throws {
        let a = try DevFixtures.pki(), b = try DevFixtures.pkiB()
        for other in [Array(b.intermediatePEM.utf8), try readBytes(TestPaths.bundledWWDRG4)] {
            let credentials = try SigningCredentials.load(certificate: Array(a.certificatePEM.utf8), key: Array(a.keyPEM.utf8), intermediates: [other])
            let report = CredentialReport.check(credentials)
            #expect(!report.isUsable)
            #expect(report.findings.contains { $0.level == .error && $0.message.contains("none of the given intermediates issued") }, "\(report.findings)")
        }
    }

    // MARK: - PassCertificateInfo

    @Test func developmentLeafInfo() throws {
        let pki = try DevFixtures.pkiB()
        let info = PassCertificateInfo(try DevFixtures.leaf(pki))
        #expect(info.userID == "pass.test.example")
        #expect(info.teamIdentifier == "TEAM999")
        #expect(info.commonName == "Pass Type ID: pass.test.example")
        #expect(info.extensionPassTypeID == "pass.test.example")
        #expect(info.passTypeIdentifier == "pass.test.example")
        #expect(info.identity == DevFixtures.identityB)
        // The extension is on the certificate, with the documented OID.
        #expect(info.certificate.extensions[oid: [1, 2, 840, 113_635, 100, 6, 1, 16]] != nil)
    }

    @Test func issuedBy() throws {
        let pki = try DevFixtures.pki()
        let leaf = try DevFixtures.leaf(pki), intermediate = try DevFixtures.intermediate(pki), root = try DevFixtures.root(pki)
        #expect(PassCertificateInfo.isIssued(leaf, by: intermediate))
        #expect(PassCertificateInfo.isIssued(intermediate, by: root))
        #expect(!PassCertificateInfo.isIssued(leaf, by: root))
        #expect(!PassCertificateInfo.isIssued(intermediate, by: leaf))
        // Same names, other keys: not the issuer.
        #expect(!PassCertificateInfo.isIssued(leaf, by: try DevFixtures.intermediate(DevFixtures.pkiB())))
    }

    @Test func appleWWDRG4Parses() throws {
        let bytes = try readBytes(TestPaths.bundledWWDRG4)
        let g4 = try Certificate(derEncoded: bytes)
        #expect(PassCertificateInfo.serialHex(g4) == "13DC77955271E53DC632E8CCFFE521F3CCC5CED2")
        #expect(PassCertificateInfo.serialHex(g4) == PassCertificateInfo.appleWWDRG4Serial)
        #expect(PassCertificateInfo.attribute(PassCertificateInfo.commonNameOID, in: g4.subject) == "Apple Worldwide Developer Relations Certification Authority")
        #expect(PassCertificateInfo.attribute(PassCertificateInfo.organizationalUnitOID, in: g4.subject) == "G4")
        #expect(Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: g4.notValidAfter).year == 2030)
        // openssl agrees on the serial.
        let dir = try TempDir()
        defer { dir.remove() }
        try dir.write("g4.cer", bytes)
        let printed = try Processes.openssl(["x509", "-inform", "DER", "-in", "g4.cer", "-noout", "-serial"], in: dir.path)
        #expect(printed.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "serial=13DC77955271E53DC632E8CCFFE521F3CCC5CED2", "\(printed.summary)")
    }
}
