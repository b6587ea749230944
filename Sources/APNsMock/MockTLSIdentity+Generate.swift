import Crypto
import Foundation
import SwiftASN1
import X509

extension MockTLSIdentity {
    /// A fresh throwaway CA and a server certificate issued by it for `hosts` (IP addresses become IP SANs, names DNS
    /// SANs); P-256 keys, valid from an hour ago for a year.
    /// - Throws: ``MockAPNsError`` for a host that is neither an IP address nor a DNS name.
    public static func generate(hosts: [String] = ["127.0.0.1", "::1", "localhost"]) throws -> MockTLSIdentity {
        let now = Date()
        let caKey = P256.Signing.PrivateKey()
        let serverKey = P256.Signing.PrivateKey()
        let caName = try DistinguishedName {
            OrganizationName("Passline Development")
            CommonName("Passline Mock APNs CA")
        }
        let serverName = try DistinguishedName {
            OrganizationName("Passline Development")
            CommonName(hosts.first ?? "localhost")
        }
        var names: [GeneralName] = []
        for host in hosts {
            if let address = ipAddressBytes(host) {
                names.append(.ipAddress(ASN1OctetString(contentBytes: ArraySlice(address))))
            } else if !host.isEmpty, host.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "/") }) {
                names.append(.dnsName(host))
            } else {
                throw MockAPNsError("'\(host)' is neither an IP address nor a DNS name")
            }
        }
        let start = now.addingTimeInterval(-3600)
        let end = now.addingTimeInterval(365 * 86_400)
        let ca = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(caKey.publicKey),
            notValidBefore: start, notValidAfter: end, issuer: caName, subject: caName,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: .init(caKey.publicKey))
            },
            issuerPrivateKey: .init(caKey))
        let server = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(serverKey.publicKey),
            notValidBefore: start, notValidAfter: end, issuer: caName, subject: serverName,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(names)
                AuthorityKeyIdentifier(keyIdentifier: SubjectKeyIdentifier(hash: .init(caKey.publicKey)).keyIdentifier)
            },
            issuerPrivateKey: .init(caKey))
        return MockTLSIdentity(
            certificateChainPEM: try server.serializeAsPEM().pemString,
            privateKeyPEM: serverKey.pemRepresentation,
            trustRootPEM: try ca.serializeAsPEM().pemString)
    }

    /// The 4 or 16 bytes of an IPv4 or IPv6 address, or nil if `host` is not one.
    static func ipAddressBytes(_ host: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, host, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        return nil
    }
}
