import Core
import Foundation
import SwiftASN1
import X509

/// What a Pass Type ID certificate says about itself.
public struct PassCertificateInfo: Sendable {
    /// Apple's marker extension on Pass Type ID certificates; its value is the pass type ID.
    public static let passTypeExtensionOID: ASN1ObjectIdentifier = [1, 2, 840, 113_635, 100, 6, 1, 16]
    /// Extended key usage "Pass Book signing".
    public static let passSigningEKU: ASN1ObjectIdentifier = [1, 2, 840, 113_635, 100, 4, 14]
    static let userIDOID: ASN1ObjectIdentifier = [0, 9, 2342, 19_200_300, 100, 1, 1]
    static let organizationalUnitOID: ASN1ObjectIdentifier = [2, 5, 4, 11]
    static let commonNameOID: ASN1ObjectIdentifier = [2, 5, 4, 3]
    /// Apple's "Worldwide Developer Relations - G4" intermediate, which issues every Pass Type ID certificate since 2022.
    public static let appleWWDRG4Serial = "13DC77955271E53DC632E8CCFFE521F3CCC5CED2"

    public let certificate: Certificate
    /// The subject's UID attribute (Apple puts the pass type ID there).
    public let userID: String?
    /// The pass type ID in Apple's marker extension, if present and a string.
    public let extensionPassTypeID: String?
    /// The subject's OU: the Team ID.
    public let teamIdentifier: String?
    public let commonName: String?

    public init(_ certificate: Certificate) {
        self.certificate = certificate
        userID = Self.attribute(Self.userIDOID, in: certificate.subject)
        teamIdentifier = Self.attribute(Self.organizationalUnitOID, in: certificate.subject)
        commonName = Self.attribute(Self.commonNameOID, in: certificate.subject)
        if let ext = certificate.extensions[oid: Self.passTypeExtensionOID], let node = try? DER.parse(ext.value) {
            extensionPassTypeID = (try? String(ASN1UTF8String(derEncoded: node)))
                ?? (try? String(ASN1PrintableString(derEncoded: node)))
                ?? (try? String(ASN1IA5String(derEncoded: node)))
        } else {
            extensionPassTypeID = nil
        }
    }

    static func attribute(_ oid: ASN1ObjectIdentifier, in name: DistinguishedName) -> String? {
        for rdn in name {
            for attribute in rdn where attribute.type == oid {
                return String(describing: attribute.value)
            }
        }
        return nil
    }

    /// The pass type ID: the UID, else the extension, else the CN after `Pass Type ID: `.
    public var passTypeIdentifier: String? {
        if let userID { return userID }
        if let extensionPassTypeID { return extensionPassTypeID }
        for prefix in ["Pass Type ID with NFC: ", "Pass Type ID: "] {
            if let cn = commonName, cn.hasPrefix(prefix) { return String(cn.dropFirst(prefix.count)) }
        }
        return nil
    }

    public var identity: PassIdentity? {
        guard let p = passTypeIdentifier, let t = teamIdentifier else { return nil }
        return PassIdentity(passTypeIdentifier: p, teamIdentifier: t)
    }

    public var notValidAfter: Date { certificate.notValidAfter }
    public var notValidBefore: Date { certificate.notValidBefore }

    /// Hex of the serial number, upper case, no separators.
    public static func serialHex(_ certificate: Certificate) -> String {
        Hex.encode(certificate.serialNumber.bytes, uppercase: true)
    }

    /// Whether `issuer` issued `certificate`: names match, the key identifiers agree when both are
    /// present, and the issuer's key verifies the certificate's signature.
    public static func isIssued(_ certificate: Certificate, by issuer: Certificate) -> Bool {
        guard certificate.issuer == issuer.subject else { return false }
        if let aki = try? certificate.extensions.authorityKeyIdentifier?.keyIdentifier,
           let ski = try? issuer.extensions.subjectKeyIdentifier?.keyIdentifier, aki != ski {
            return false
        }
        return issuer.publicKey.isValidSignature(certificate.signature, for: certificate)
    }
}
