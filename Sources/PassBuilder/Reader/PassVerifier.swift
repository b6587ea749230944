import CPassCrypto
import Core
import Crypto
import Foundation
import X509

/// The result of checking a `.pkpass`: each check with its outcome.
public struct VerificationReport: Sendable {
    public enum Level: String, Sendable { case ok, warning, error }

    public struct Check: Sendable, CustomStringConvertible {
        public var level: Level
        public var area: String
        public var message: String
        public var description: String { "\(level.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0)) \(area): \(message)" }
    }

    public var checks: [Check] = []
    /// pass.json, when it could be decoded.
    public var pass: Pass?
    public var signingTime: Date?

    public var isValid: Bool { !checks.contains { $0.level == .error } }
    public var errors: [Check] { checks.filter { $0.level == .error } }
    public var warnings: [Check] { checks.filter { $0.level == .warning } }

    mutating func add(_ level: Level, _ area: String, _ message: String) {
        checks.append(Check(level: level, area: area, message: message))
    }
}

/// Opens any `.pkpass` and checks what Wallet checks: zip layout, manifest coverage and
/// hashes, the CMS signature (cryptographically), signer ↔ pass.json, the intermediate, dates.
public enum PassVerifier {
    public static func verify(fileAt path: String, trustRoots: [Certificate] = [], now: Date = Date()) -> VerificationReport {
        guard let data = FileManager.default.contents(atPath: path) else {
            var r = VerificationReport()
            r.add(.error, "file", "\(path): \(FileManager.default.fileExists(atPath: path) ? "cannot be read" : "no such file")")
            return r
        }
        return verify(bytes: [UInt8](data), trustRoots: trustRoots, now: now)
    }

    public static func verify(bytes: [UInt8], trustRoots: [Certificate] = [], now: Date = Date()) -> VerificationReport {
        var report = VerificationReport()
        let archive: PassArchive
        do {
            archive = try PassArchive(bytes: bytes)
        } catch {
            report.add(.error, "zip", error.description)
            return report
        }
        var files: [String: [UInt8]] = [:]
        checkLayout(archive, files: &files, report: &report)
        let manifestBytes = files["manifest.json"]
        checkManifest(manifestBytes, files: files, report: &report)
        let pass = checkPassJSON(files["pass.json"], report: &report)
        report.pass = pass
        guard let signature = files["signature"] else {
            report.add(.error, "signature", "missing: the bundle has no signature file")
            return report
        }
        guard let manifestBytes else { return report }
        checkSignature(signature, manifest: manifestBytes, pass: pass, trustRoots: trustRoots, now: now, report: &report)
        return report
    }

    static func checkLayout(_ archive: PassArchive, files: inout [String: [UInt8]], report: inout VerificationReport) {
        var problems = 0
        for entry in archive.entries {
            let parts = entry.name.split(separator: "/", omittingEmptySubsequences: false)
            let base = entry.isDirectory ? String(parts.dropLast().last ?? "") : String(parts.last ?? "")
            if parts.contains(where: { $0 == "__MACOSX" }) || base.hasPrefix(".") {
                report.add(.error, "zip", "junk entry \(entry.name): Wallet rejects a pass whose files are not all in the manifest")
                problems += 1
                continue
            }
            if entry.name.hasPrefix("/") || parts.contains("..") {
                report.add(.error, "zip", "unsafe entry name \(entry.name)")
                problems += 1
                continue
            }
            if entry.isDirectory {
                if !(parts.count == 2 && base.hasSuffix(".lproj")) {
                    report.add(.error, "zip", "folder \(entry.name): only xx.lproj folders are allowed, at the root")
                    problems += 1
                }
                continue
            }
            if parts.count > 2 || (parts.count == 2 && !parts[0].hasSuffix(".lproj")) {
                report.add(.error, "zip", "nested entry \(entry.name): files go at the root or in xx.lproj/ (zip the contents of the pass folder, not the folder)")
                problems += 1
                continue
            }
            if files.updateValue(entry.data, forKey: entry.name) != nil {
                report.add(.error, "zip", "duplicate entry \(entry.name)")
                problems += 1
            }
        }
        for required in ["pass.json", "manifest.json"] where files[required] == nil {
            report.add(.error, "zip", "missing \(required)")
            problems += 1
        }
        if files["icon.png"] == nil {
            report.add(.error, "zip", "missing icon.png: all passes require an icon")
            problems += 1
        }
        if problems == 0 {
            report.add(.ok, "zip", "\(archive.entries.count) entries, all at the root or in xx.lproj/")
        }
    }

    static func checkManifest(_ bytes: [UInt8]?, files: [String: [UInt8]], report: inout VerificationReport) {
        guard let bytes else { return }
        let manifest: [String: JSONValue]
        do {
            guard case .object(let o) = try JSONValue(parsing: bytes) else {
                report.add(.error, "manifest", "manifest.json is not a JSON object")
                return
            }
            manifest = o
        } catch {
            report.add(.error, "manifest", "manifest.json: \(error)")
            return
        }
        var problems = 0
        for name in files.keys.sorted() where name != "manifest.json" && name != "signature" {
            guard let entry = manifest[name] else {
                report.add(.error, "manifest", "\(name) is not in the manifest")
                problems += 1
                continue
            }
            guard let expected = entry.stringValue?.lowercased() else {
                report.add(.error, "manifest", "\(name): the manifest value is not a string")
                problems += 1
                continue
            }
            if expected.count == 64 {
                report.add(.error, "manifest", "\(name): a SHA-256 digest; pass manifests use SHA-1")
                problems += 1
                continue
            }
            let actual = Hex.encode(Insecure.SHA1.hash(data: files[name]!))
            if actual != expected {
                report.add(.error, "manifest", "\(name): SHA-1 \(actual) does not match the manifest's \(expected) (the file was changed after signing)")
                problems += 1
            }
        }
        for name in manifest.keys.sorted() where files[name] == nil {
            report.add(.error, "manifest", "\(name) is in the manifest but not in the bundle")
            problems += 1
        }
        if problems == 0 {
            report.add(.ok, "manifest", "\(manifest.count) files listed, every SHA-1 matches, nothing unlisted")
        }
    }

    static func checkPassJSON(_ bytes: [UInt8]?, report: inout VerificationReport) -> Pass? {
        guard let bytes else { return nil }
        do {
            do {
                _ = try JSONValue(parsing: bytes)
            } catch {
                // Wallet reads what Apple's own samples contain (trailing commas); say so, don't fail.
                _ = try JSONValue(parsingLeniently: bytes)
                report.add(.warning, "pass.json", "not strict JSON (\(error)); Wallet tolerates it, other readers may not")
            }
            let pass = try Pass(jsonBytes: bytes)
            if pass.passTypeIdentifier == nil || pass.teamIdentifier == nil {
                report.add(.error, "pass.json", "passTypeIdentifier and teamIdentifier are required")
            } else {
                report.add(.ok, "pass.json", "\(pass.style?.rawValue ?? "no style") \(pass.passTypeIdentifier!) / \(pass.serialNumber ?? "?") (team \(pass.teamIdentifier!))")
            }
            return pass
        } catch let error as DecodingError {
            report.add(.error, "pass.json", PassTemplate.describe(error))
        } catch {
            report.add(.error, "pass.json", "\(error)")
        }
        return nil
    }

    static func checkSignature(_ signature: [UInt8], manifest: [UInt8], pass: Pass?, trustRoots: [Certificate], now: Date, report: inout VerificationReport) {
        var result = pc_verify_result()
        signature.withUnsafeBufferPointer { s in
            manifest.withUnsafeBufferPointer { m in
                pc_cms_verify_detached(s.baseAddress, s.count, m.baseAddress, m.count, &result)
            }
        }
        defer { pc_verify_result_free(&result) }
        let reason = withUnsafeBytes(of: result.error) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        guard result.parsed == 1 else {
            report.add(.error, "signature", "not a CMS SignedData structure: \(reason)")
            return
        }
        let digest = withUnsafeBytes(of: result.digest_algorithm) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if result.detached != 1 { report.add(.warning, "signature", "the signature embeds its content; Apple specifies a detached signature") }
        if result.signature_valid == 1 {
            report.add(.ok, "signature", "CMS signature over manifest.json verifies (\(digest))")
        } else {
            report.add(.error, "signature", "the signature does not verify over manifest.json: \(reason)")
        }
        if result.has_content_type != 1 || result.has_message_digest != 1 {
            report.add(.error, "signature", "signed attributes must include contentType and messageDigest")
        }
        if result.has_signing_time == 1 {
            let t = Date(timeIntervalSince1970: TimeInterval(result.signing_time))
            report.signingTime = t
            report.add(.ok, "signature", "signingTime \(t.formatted(.iso8601))")
        } else {
            report.add(.error, "signature", "no signingTime attribute: Wallet requires the signing time")
        }
        var embedded: [Certificate] = []
        for i in 0..<result.cert_count {
            let b = result.certs[i]
            if let c = try? Certificate(derEncoded: Array(UnsafeBufferPointer(start: b.data, count: b.len))) { embedded.append(c) }
        }
        guard result.signer_cert.len > 0,
              let signer = try? Certificate(derEncoded: Array(UnsafeBufferPointer(start: result.signer_cert.data, count: result.signer_cert.len)))
        else {
            report.add(.error, "certificate", "the signer's certificate is not embedded in the signature")
            return
        }
        checkCertificates(signer: signer, embedded: embedded, pass: pass, signingTime: report.signingTime, trustRoots: trustRoots, now: now, report: &report)
    }

    static func checkCertificates(
        signer: Certificate, embedded: [Certificate], pass: Pass?, signingTime: Date?, trustRoots: [Certificate], now: Date, report: inout VerificationReport
    ) {
        let info = PassCertificateInfo(signer)
        let name = info.commonName ?? "\(signer.subject)"
        if let pass {
            if let p = pass.passTypeIdentifier, info.passTypeIdentifier != p {
                report.add(.error, "certificate", "signer \"\(name)\" is for pass type \(info.passTypeIdentifier ?? "none"), but pass.json says \(p)")
            } else if let e = info.extensionPassTypeID, e != pass.passTypeIdentifier {
                report.add(.error, "certificate", "the signer's pass-type extension says \(e), but pass.json says \(pass.passTypeIdentifier ?? "none")")
            } else {
                report.add(.ok, "certificate", "signer \"\(name)\" matches passTypeIdentifier")
            }
            if let t = pass.teamIdentifier, info.teamIdentifier != t {
                report.add(.error, "certificate", "signer's team (OU) is \(info.teamIdentifier ?? "none"), but pass.json says \(t)")
            } else if pass.teamIdentifier != nil {
                report.add(.ok, "certificate", "signer's team (OU) matches teamIdentifier")
            }
        }
        let at = signingTime ?? now
        if signer.notValidBefore > at || signer.notValidAfter < at {
            report.add(.error, "certificate", "the signer was not valid at the signing time (valid \(signer.notValidBefore.formatted(.iso8601)) – \(signer.notValidAfter.formatted(.iso8601)))")
        }
        if signer.notValidAfter < now {
            report.add(.warning, "certificate", "the signer expired on \(signer.notValidAfter.formatted(.iso8601)); Wallet will not accept new passes signed with it")
        }
        guard let intermediate = embedded.first(where: { $0 != signer && PassCertificateInfo.isIssued(signer, by: $0) }) else {
            report.add(.error, "certificate", "the intermediate that issued the signer (\(signer.issuer)) is not embedded; include the WWDR certificate")
            return
        }
        let iname = PassCertificateInfo.attribute(PassCertificateInfo.commonNameOID, in: intermediate.subject) ?? "\(intermediate.subject)"
        let serial = PassCertificateInfo.serialHex(intermediate)
        if serial == PassCertificateInfo.appleWWDRG4Serial {
            report.add(.ok, "certificate", "intermediate is Apple WWDR G4")
        } else if iname.hasPrefix("Apple Worldwide Developer Relations") {
            report.add(.warning, "certificate", "intermediate \"\(iname)\" (serial \(serial)) is an older Apple WWDR, not G4; certificates made since 2022 chain to G4")
        } else {
            report.add(.warning, "certificate", "intermediate \"\(iname)\" is not Apple's: the pass verifies but Wallet on a device will not install it")
        }
        if intermediate.notValidBefore > at || intermediate.notValidAfter < at {
            report.add(.error, "certificate", "the intermediate was not valid at the signing time")
        }
        if intermediate.notValidAfter < now {
            report.add(.warning, "certificate", "the intermediate \"\(iname)\" expired on \(intermediate.notValidAfter.formatted(.iso8601))")
        }
        if !trustRoots.isEmpty {
            if trustRoots.contains(where: { $0 == intermediate || PassCertificateInfo.isIssued(intermediate, by: $0) }) {
                report.add(.ok, "certificate", "chain: signer → \"\(iname)\" → trusted root")
            } else {
                report.add(.error, "certificate", "the intermediate \"\(iname)\" does not chain to the given trusted root")
            }
        } else {
            report.add(.ok, "certificate", "chain: signer → \"\(iname)\" (root not checked; use --trust ROOT.pem)")
        }
    }
}
