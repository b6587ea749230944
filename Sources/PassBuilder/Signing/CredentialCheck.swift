import Foundation
import X509

/// The start-up check of signing credentials: key ↔ certificate, pass type and team,
/// chain to the intermediate, expiry.
public struct CredentialReport: Sendable {
    public enum Level: String, Sendable { case ok, warning, error }

    public struct Finding: Sendable, CustomStringConvertible {
        public var level: Level
        public var message: String
        public var description: String { "\(level == .ok ? "ok" : level.rawValue): \(message)" }
    }

    public var findings: [Finding] = []
    public var isUsable: Bool { !findings.contains { $0.level == .error } }

    mutating func add(_ level: Level, _ message: String) { findings.append(Finding(level: level, message: message)) }

    /// Checks loaded credentials. `expected` is the identity pass.json must carry (from
    /// configuration), if any; `now` is injectable for tests.
    public static func check(_ credentials: SigningCredentials, expected: PassIdentity? = nil, now: Date = Date()) -> CredentialReport {
        var report = CredentialReport()
        let info = PassCertificateInfo(credentials.certificate)
        report.add(.ok, "private key matches the certificate")
        if let id = info.passTypeIdentifier {
            report.add(.ok, "pass type ID \(id) (from \(info.userID != nil ? "UID" : info.extensionPassTypeID != nil ? "extension 1.2.840.113635.100.6.1.16" : "CN"))")
        } else {
            report.add(.error, "the certificate carries no pass type ID (UID, extension 1.2.840.113635.100.6.1.16 or CN \"Pass Type ID: …\")")
        }
        if let u = info.userID, let e = info.extensionPassTypeID, u != e {
            report.add(.error, "UID \(u) and the pass-type extension \(e) disagree")
        }
        if let team = info.teamIdentifier { report.add(.ok, "team ID \(team) (OU)") } else { report.add(.error, "the certificate has no OU (team ID)") }
        if let expected {
            if expected.passTypeIdentifier != credentials.identity.passTypeIdentifier || info.passTypeIdentifier.map({ $0 != expected.passTypeIdentifier }) == true {
                report.add(.error, "configured passTypeIdentifier \(expected.passTypeIdentifier) does not match the certificate's \(info.passTypeIdentifier ?? "none")")
            }
            if expected.teamIdentifier != credentials.identity.teamIdentifier || info.teamIdentifier.map({ $0 != expected.teamIdentifier }) == true {
                report.add(.error, "configured teamIdentifier \(expected.teamIdentifier) does not match the certificate's OU \(info.teamIdentifier ?? "none")")
            }
        }
        if let issuer = credentials.chain.first(where: { PassCertificateInfo.isIssued(credentials.certificate, by: $0) }) {
            let serial = PassCertificateInfo.serialHex(issuer)
            let name = PassCertificateInfo.attribute(PassCertificateInfo.commonNameOID, in: issuer.subject) ?? "\(issuer.subject)"
            report.add(.ok, "issued by the embedded intermediate \"\(name)\" (serial \(serial))")
            if serial == PassCertificateInfo.appleWWDRG4Serial {
                report.add(.ok, "the intermediate is Apple's WWDR G4")
            } else {
                report.add(.warning, "the intermediate is not Apple's WWDR G4: passes verify but Wallet on a device will not install them (fine for development)")
            }
            if issuer.notValidAfter < now { report.add(.error, "the intermediate expired on \(iso(issuer.notValidAfter))") }
        } else if credentials.chain.isEmpty {
            report.add(.error, "no intermediate certificate to embed: pass the WWDR certificate that issued this one (--wwdr)")
        } else {
            report.add(.error, "none of the given intermediates issued this certificate (issuer: \(credentials.certificate.issuer)); download the matching WWDR certificate")
        }
        let days = credentials.certificate.notValidAfter.timeIntervalSince(now) / 86_400
        if credentials.certificate.notValidBefore > now {
            report.add(.error, "the certificate is not valid before \(iso(credentials.certificate.notValidBefore))")
        }
        if days < 0 {
            report.add(.error, "the certificate expired on \(iso(credentials.certificate.notValidAfter)); renew it in the Apple Developer account")
        } else if days < 30 {
            report.add(.warning, "the certificate expires in \(Int(days)) days (\(iso(credentials.certificate.notValidAfter))); renew it soon")
        } else {
            report.add(.ok, "valid until \(iso(credentials.certificate.notValidAfter))")
        }
        return report
    }

    static func iso(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withFullDate]
        return f.string(from: date)
    }
}
