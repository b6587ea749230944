import Crypto
import Foundation
import SwiftASN1
import X509
import _CryptoExtras

/// A throwaway PKI shaped like Apple's: a root, a WWDR-like intermediate, and a
/// `Pass Type ID: …` leaf with UID, OU, the pass-type extension and the pass-signing EKU.
///
/// Passes signed with it verify (against ``rootPEM``) but Wallet on a phone rejects them,
/// since they do not chain to Apple's root.
public struct DevelopmentPKI: Sendable {
    public var rootPEM: String
    public var intermediatePEM: String
    public var certificatePEM: String
    /// Unencrypted PKCS #8: development only.
    public var keyPEM: String
    public var identity: PassIdentity

    public static let defaultIdentity = PassIdentity(passTypeIdentifier: "pass.dev.passline.loyalty", teamIdentifier: "DEVTEAM123")

    /// File names inside the directory `write(to:)` fills.
    public enum FileName {
        public static let root = "root.pem"
        public static let intermediate = "wwdr.pem"
        public static let certificate = "pass.pem"
        public static let key = "pass.key"
    }

    public static func generate(identity: PassIdentity = defaultIdentity, now: Date = Date()) throws -> DevelopmentPKI {
        let rootKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let intermediateKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let leafKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)

        let rootName = try DistinguishedName {
            CountryName("US")
            OrganizationName("Passline Development")
            CommonName("Passline Development Root CA")
        }
        let intermediateName = try DistinguishedName {
            CountryName("US")
            OrganizationName("Passline Development")
            OrganizationalUnitName("G4")
            CommonName("Passline Development Worldwide Developer Relations Certification Authority")
        }
        let leafName = DistinguishedName([
            RelativeDistinguishedName(RelativeDistinguishedName.Attribute(type: PassCertificateInfo.userIDOID, utf8String: identity.passTypeIdentifier)),
            RelativeDistinguishedName(RelativeDistinguishedName.Attribute(type: PassCertificateInfo.commonNameOID, utf8String: "Pass Type ID: \(identity.passTypeIdentifier)")),
            RelativeDistinguishedName(RelativeDistinguishedName.Attribute(type: PassCertificateInfo.organizationalUnitOID, utf8String: identity.teamIdentifier)),
            RelativeDistinguishedName(RelativeDistinguishedName.Attribute(type: [2, 5, 4, 10], utf8String: "Passline Development")),
            RelativeDistinguishedName(RelativeDistinguishedName.Attribute(type: [2, 5, 4, 6], utf8String: "US")),
        ])
        let start = now.addingTimeInterval(-3600)
        func keyID(_ key: _RSA.Signing.PublicKey) -> ArraySlice<UInt8> { ArraySlice(Insecure.SHA1.hash(data: key.derRepresentation)) }

        let root = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(rootKey.publicKey),
            notValidBefore: start, notValidAfter: now.addingTimeInterval(20 * 365 * 86_400),
            issuer: rootName, subject: rootName, signatureAlgorithm: .sha256WithRSAEncryption,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(keyIdentifier: keyID(rootKey.publicKey))
            },
            issuerPrivateKey: .init(rootKey))
        let intermediate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(intermediateKey.publicKey),
            notValidBefore: start, notValidAfter: now.addingTimeInterval(10 * 365 * 86_400),
            issuer: rootName, subject: intermediateName, signatureAlgorithm: .sha256WithRSAEncryption,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(keyIdentifier: keyID(intermediateKey.publicKey))
                AuthorityKeyIdentifier(keyIdentifier: keyID(rootKey.publicKey))
            },
            issuerPrivateKey: .init(rootKey))
        var serializer = DER.Serializer()
        try serializer.serialize(ASN1UTF8String(identity.passTypeIdentifier))
        let passTypeValue = serializer.serializedBytes
        let leaf = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(leafKey.publicKey),
            notValidBefore: start, notValidAfter: now.addingTimeInterval(365 * 86_400),
            issuer: intermediateName, subject: leafName, signatureAlgorithm: .sha256WithRSAEncryption,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.init(oid: PassCertificateInfo.passSigningEKU), .emailProtection, .clientAuth])
                SubjectKeyIdentifier(keyIdentifier: keyID(leafKey.publicKey))
                AuthorityKeyIdentifier(keyIdentifier: keyID(intermediateKey.publicKey))
                Certificate.Extension(oid: PassCertificateInfo.passTypeExtensionOID, critical: false, value: ArraySlice(passTypeValue))
            },
            issuerPrivateKey: .init(intermediateKey))
        return DevelopmentPKI(
            rootPEM: try root.serializeAsPEM().pemString,
            intermediatePEM: try intermediate.serializeAsPEM().pemString,
            certificatePEM: try leaf.serializeAsPEM().pemString,
            keyPEM: leafKey.pkcs8PEMRepresentation,
            identity: identity)
    }

    /// Writes the four PEM files; the key is readable by the owner only.
    public func write(to directory: String) throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let dir = URL(fileURLWithPath: directory)
        for (name, text) in [(FileName.root, rootPEM), (FileName.intermediate, intermediatePEM), (FileName.certificate, certificatePEM)] {
            try Data((text + "\n").utf8).write(to: dir.appendingPathComponent(name), options: .atomic)
        }
        let keyPath = dir.appendingPathComponent(FileName.key).path
        guard fm.createFile(atPath: keyPath, contents: Data((keyPEM + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw CredentialError(file: keyPath, "cannot be written")
        }
    }

    /// The credential files of a directory written by ``write(to:)``.
    public static func files(in directory: String) -> CredentialFiles {
        let dir = URL(fileURLWithPath: directory)
        return CredentialFiles(
            source: .pem(certificate: dir.appendingPathComponent(FileName.certificate).path, key: dir.appendingPathComponent(FileName.key).path),
            intermediates: [dir.appendingPathComponent(FileName.intermediate).path])
    }

    /// Uses the development credentials in `directory`, creating them first if absent.
    /// Returns whether they were created.
    @discardableResult
    public static func ensure(in directory: String, identity: PassIdentity = defaultIdentity) throws -> Bool {
        let cert = URL(fileURLWithPath: directory).appendingPathComponent(FileName.certificate).path
        if FileManager.default.fileExists(atPath: cert) { return false }
        try generate(identity: identity).write(to: directory)
        return true
    }
}
