import CPassCrypto
import Foundation
import SwiftASN1
import X509

/// A Pass Type ID certificate, its private key and the intermediate to embed, loaded once
/// into OpenSSL (which signs) and parsed once by swift-certificates (which inspects).
///
/// `@unchecked Sendable`: the OpenSSL objects are never mutated after ``load`` returns, and
/// OpenSSL 3 allows concurrent signing with one `EVP_PKEY`; the pointer is freed in `deinit`.
public final class SigningCredentials: PassSigner, @unchecked Sendable {
    private let handle: OpaquePointer
    /// The signer (Pass Type ID) certificate.
    public let certificate: Certificate
    /// The intermediate certificates embedded in every signature.
    public let chain: [Certificate]
    public let identity: PassIdentity

    /// Takes ownership of `handle` (freed here on failure, in `deinit` otherwise).
    private init(handle: OpaquePointer, identity: PassIdentity?) throws(CredentialError) {
        self.handle = handle
        do {
            (certificate, chain) = try Self.certificates(of: handle)
        } catch {
            pc_credentials_free(handle)
            throw error
        }
        guard let resolved = identity ?? PassCertificateInfo(certificate).identity else {
            pc_credentials_free(handle)
            throw CredentialError("the certificate names no pass type ID (no UID attribute or Apple pass-type extension) and no team ID (OU); is it a Pass Type ID certificate?")
        }
        self.identity = resolved
    }

    private static func der(_ fill: (inout pc_buffer) -> Int32) -> [UInt8]? {
        var buffer = pc_buffer()
        guard fill(&buffer) == 1 else { return nil }
        defer { pc_buffer_free(&buffer) }
        return Array(UnsafeBufferPointer(start: buffer.data, count: buffer.len))
    }

    private static func certificates(of handle: OpaquePointer) throws(CredentialError) -> (Certificate, [Certificate]) {
        do {
            guard let leaf = der({ pc_credentials_cert_der(handle, &$0) }) else { throw CredentialError("cannot export the certificate") }
            var chain: [Certificate] = []
            for i in 0..<pc_credentials_chain_count(handle) {
                if let d = der({ pc_credentials_chain_der(handle, i, &$0) }) { chain.append(try Certificate(derEncoded: d)) }
            }
            return (try Certificate(derEncoded: leaf), chain)
        } catch let error as CredentialError {
            throw error
        } catch {
            throw CredentialError("certificate: \(error)")
        }
    }

    deinit { pc_credentials_free(handle) }

    /// The signer certificate and the embedded intermediates, DER, leaf first: the TLS client
    /// chain for APNs, which authenticates with the same Pass Type ID certificate.
    public var certificateChainDER: [[UInt8]] {
        var chainDER: [[UInt8]] = []
        if let leaf = Self.der({ pc_credentials_cert_der(handle, &$0) }) { chainDER.append(leaf) }
        for i in 0..<pc_credentials_chain_count(handle) {
            if let d = Self.der({ pc_credentials_chain_der(handle, i, &$0) }) { chainDER.append(d) }
        }
        return chainDER
    }

    /// The private key as unencrypted PKCS#8 PEM, for the APNs TLS client. A secret: never log it.
    public func privateKeyPEM() throws(CredentialError) -> String {
        guard let bytes = Self.der({ pc_credentials_key_pem(handle, &$0) }) else {
            throw CredentialError("cannot export the private key for the APNs TLS client")
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func errorBuffer() -> [CChar] { [CChar](repeating: 0, count: 512) }

    /// PEM (or DER) certificate and PEM private key, the key optionally encrypted.
    /// `intermediates` are PEM or DER certificates to embed (the WWDR intermediate).
    public static func load(
        certificate: [UInt8], key: [UInt8], password: String? = nil, intermediates: [[UInt8]] = [], identity: PassIdentity? = nil
    ) throws(CredentialError) -> SigningCredentials {
        var err = errorBuffer()
        let handle: OpaquePointer? = certificate.withUnsafeBufferPointer { c in
            key.withUnsafeBufferPointer { k in
                pc_credentials_from_pem(c.baseAddress, c.count, k.baseAddress, k.count, password, &err, err.count)
            }
        }
        guard let handle else { throw CredentialError(cString(err)) }
        return try finish(handle, intermediates: intermediates, identity: identity)
    }

    /// A PKCS #12 file as Keychain exports it (legacy RC2/3DES ones included).
    public static func load(p12: [UInt8], password: String, intermediates: [[UInt8]] = [], identity: PassIdentity? = nil) throws(CredentialError) -> SigningCredentials {
        var err = errorBuffer()
        let handle: OpaquePointer? = p12.withUnsafeBufferPointer { p in
            pc_credentials_from_p12(p.baseAddress, p.count, password, &err, err.count)
        }
        guard let handle else { throw CredentialError(cString(err)) }
        return try finish(handle, intermediates: intermediates, identity: identity)
    }

    private static func finish(_ handle: OpaquePointer, intermediates: [[UInt8]], identity: PassIdentity?) throws(CredentialError) -> SigningCredentials {
        var err = errorBuffer()
        guard pc_credentials_key_matches(handle) == 1 else {
            pc_credentials_free(handle)
            throw CredentialError("the private key does not belong to the certificate")
        }
        for intermediate in intermediates {
            let ok = intermediate.withUnsafeBufferPointer { pc_credentials_add_chain_cert(handle, $0.baseAddress, $0.count, &err, err.count) }
            guard ok == 1 else {
                pc_credentials_free(handle)
                throw CredentialError("intermediate: \(cString(err))")
            }
        }
        // Embed only the intermediate that issued the certificate (a .p12 or a bundle may carry others).
        if let (leaf, chain) = try? certificates(of: handle), chain.count > 1,
           let issuer = chain.first(where: { PassCertificateInfo.isIssued(leaf, by: $0) }), let der = try? issuer.derEncoded() {
            pc_credentials_clear_chain(handle)
            _ = der.withUnsafeBufferPointer { pc_credentials_add_chain_cert(handle, $0.baseAddress, $0.count, &err, err.count) }
        }
        return try SigningCredentials(handle: handle, identity: identity)
    }

    /// Loads credentials from files, as the CLI and server configuration name them.
    public static func load(files: CredentialFiles) throws(CredentialError) -> SigningCredentials {
        func read(_ path: String) throws(CredentialError) -> [UInt8] {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw CredentialError(file: path, FileManager.default.fileExists(atPath: path) ? "cannot be read" : "no such file")
            }
            return [UInt8](data)
        }
        var intermediates: [[UInt8]] = []
        for path in files.intermediates {
            let bytes = try read(path)
            let isCertificate = (try? Certificate(derEncoded: bytes)) != nil
                || String(validating: bytes, as: UTF8.self).map { $0.contains("-----BEGIN CERTIFICATE-----") && (try? Certificate(pemEncoded: $0)) != nil } == true
            guard isCertificate else { throw CredentialError(file: path, "intermediate: not a PEM or DER X.509 certificate") }
            intermediates.append(bytes)
        }
        switch files.source {
        case .pem(let certPath, let keyPath):
            let cert = try read(certPath)
            let key = try read(keyPath)
            do {
                return try load(certificate: cert, key: key, password: files.password, intermediates: intermediates, identity: files.identity)
            } catch {
                throw CredentialError(file: error.message.hasPrefix("certificate") ? certPath : error.message.hasPrefix("private key") ? keyPath : nil, error.message)
            }
        case .p12(let path):
            let bytes = try read(path)
            do {
                return try load(p12: bytes, password: files.password ?? "", intermediates: intermediates, identity: files.identity)
            } catch {
                throw CredentialError(file: path, error.message)
            }
        }
    }

    public func sign(manifest: [UInt8], signingTime: Date) throws -> [UInt8] {
        var out = pc_buffer()
        var err = [CChar](repeating: 0, count: 256)
        let ok = manifest.withUnsafeBufferPointer {
            pc_sign_detached(handle, $0.baseAddress, $0.count, Int64(signingTime.timeIntervalSince1970.rounded(.down)), &out, &err, err.count)
        }
        guard ok == 1 else { throw CredentialError("signing failed: \(cString(err))") }
        defer { pc_buffer_free(&out) }
        return Array(UnsafeBufferPointer(start: out.data, count: out.len))
    }
}

/// Where credentials come from, as configured.
public struct CredentialFiles: Sendable, Hashable {
    public enum Source: Sendable, Hashable {
        case pem(certificate: String, key: String)
        case p12(String)
    }

    public var source: Source
    public var password: String?
    /// Intermediate certificate files to embed (the WWDR G4 for Apple credentials).
    public var intermediates: [String]
    /// Overrides the pass type and team read from the certificate.
    public var identity: PassIdentity?

    public init(source: Source, password: String? = nil, intermediates: [String] = [], identity: PassIdentity? = nil) {
        self.source = source
        self.password = password
        self.intermediates = intermediates
        self.identity = identity
    }
}

/// The text of a NUL-terminated C buffer.
func cString(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

extension Certificate {
    /// The certificate's DER encoding.
    func derEncoded() throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.serialize(self)
        return serializer.serializedBytes
    }
}
