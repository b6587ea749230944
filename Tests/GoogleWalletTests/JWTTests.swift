import Core
import Foundation
import GoogleWallet
import GoogleWalletMock
import Testing
import TestSupport
import _CryptoExtras

/// RS256 JWTs, checked by OpenSSL (an implementation that shares nothing with ours), and the
/// save links made of them.
@Suite struct JWTTests {
    struct Claims: Encodable {
        var iss: String
        var text: String
        var iat: Int64
    }

    /// `(header JSON, claims JSON, signing input, signature)` of a compact JWS.
    static func parts(_ jwt: String) throws -> (header: Any?, claims: Any?, input: String, signature: [UInt8]) {
        let parts = jwt.split(separator: ".", omittingEmptySubsequences: false)
        try #require(parts.count == 3)
        let header = try #require(Base64URL.decode(parts[0])), claims = try #require(Base64URL.decode(parts[1]))
        let signature = try #require(Base64URL.decode(parts[2]))
        return (jsonObject(header), jsonObject(claims), parts[0] + "." + parts[1], signature)
    }

    /// `openssl dgst -sha256 -verify` on the signing input: its exit status and output.
    static func opensslVerifies(_ input: String, _ signature: [UInt8], publicKeyPEM: String) throws -> Bool {
        let dir = try TempDir("google-jwt")
        defer { dir.remove() }
        try dir.write("pub.pem", publicKeyPEM)
        try dir.write("input", input)
        try dir.write("sig", signature)
        let result = try Processes.openssl(["dgst", "-sha256", "-verify", dir.file("pub.pem"), "-signature", dir.file("sig"), dir.file("input")])
        return result.status == 0 && result.stdout.contains("Verified OK")
    }

    @Test func aJWTVerifiesWithOpenSSLAndATamperedOneDoesNot() throws {
        let (mock, account) = try Fixtures.account()
        // Non-ASCII and a slash: the JSON must keep them intact.
        let jwt = try GoogleJWT.sign(Claims(iss: account.clientEmail, text: "Баллы: 1/2", iat: 1_767_225_600), with: account)
        #expect(!jwt.contains("=") && !jwt.contains("+") && !jwt.contains("/"), "base64url without padding")
        let (header, claims, input, signature) = try Self.parts(jwt)
        #expect(field(header, "alg") as? String == "RS256" && field(header, "typ") as? String == "JWT")
        #expect(field(header, "kid") as? String == mock.keyID)
        #expect(field(claims, "iss") as? String == Fixtures.email && field(claims, "text") as? String == "Баллы: 1/2")
        #expect(signature.count == 256, "a 2048-bit RSA signature")

        #expect(try Self.opensslVerifies(input, signature, publicKeyPEM: mock.publicKey.pemRepresentation))
        var flipped = signature
        flipped[17] ^= 0x01
        #expect(try !Self.opensslVerifies(input, flipped, publicKeyPEM: mock.publicKey.pemRepresentation))
        #expect(try !Self.opensslVerifies(input.replacingOccurrences(of: ".", with: ".e"), signature, publicKeyPEM: mock.publicKey.pemRepresentation))
    }

    static func configuration(origins: [String] = ["https://passes.example.com"]) throws -> GoogleWalletConfiguration {
        GoogleWalletConfiguration(issuerID: Fixtures.issuer, account: try Fixtures.account().account, origins: origins)
    }

    static func objects(_ count: Int) -> [GoogleSaveLink.Object] {
        (0..<count).map { GoogleSaveLink.Object(id: Fixtures.objectID("7912345678\($0)-\($0)"), classId: Fixtures.classID()) }
    }

    @Test func aSaveLinkIsASkinnyJWTWithGooglesClaims() throws {
        let (mock, _) = try Fixtures.account()
        let issuedAt = Date(timeIntervalSince1970: 1_767_225_600.7)
        let link = try GoogleSaveLink(objects: Self.objects(2), configuration: Self.configuration(), issuedAt: issuedAt)
        #expect(link.url == "https://pay.google.com/gp/v/save/" + link.jwt && link.length == link.jwt.count)
        let (_, claims, input, signature) = try Self.parts(link.jwt)
        #expect(field(claims, "iss") as? String == Fixtures.email)
        #expect(field(claims, "aud") as? String == "google" && field(claims, "typ") as? String == "savetowallet")
        #expect(field(claims, "iat") as? Int == 1_767_225_600)
        #expect(field(claims, "origins") as? [String] == ["https://passes.example.com"])
        let objects = try #require(field(claims, "payload.loyaltyObjects") as? [[String: Any]])
        #expect(objects.count == 2)
        #expect(objects.map { $0["id"] as? String } == Self.objects(2).map { $0.id.value })
        #expect(objects.allSatisfy { Set($0.keys) == ["id", "classId"] && $0["classId"] as? String == Fixtures.classID().value }, "ids only")
        #expect((field(claims, "payload") as? [String: Any])?.keys.sorted() == ["loyaltyObjects"], "no classes or full objects")
        #expect(mock.publicKey.isValidSignature(.init(rawRepresentation: signature), for: Array(input.utf8), padding: .insecurePKCS1v1_5))
    }

    @Test func aSaveLinkOverGooglesLimitIsRefused() throws {
        let config = try Self.configuration()
        #expect(throws: GoogleSaveLinkError.noObjects) { try GoogleSaveLink(objects: [], configuration: config, issuedAt: Date()) }
        // Grow the household until the link no longer fits: each size below fits, the next does not.
        var lengths: [Int] = []
        var count = 1
        while true {
            do {
                let link = try GoogleSaveLink(objects: Self.objects(count), configuration: config, issuedAt: Date())
                #expect(link.length <= GoogleSaveLink.maximumJWTLength)
                lengths.append(link.length)
                count += 1
            } catch {
                guard case .tooLong(let length, let objects) = error else { throw error }
                #expect(length > GoogleSaveLink.maximumJWTLength && objects == count)
                #expect(error.description.contains("\(length)") && !error.description.contains("\n"))
                break
            }
            try #require(count < 100, "a link must stop fitting at some size")
        }
        #expect(lengths.count >= 3, "a household of a few cards fits in one link (\(lengths))")
        #expect(zip(lengths, lengths.dropFirst()).allSatisfy { $0 < $1 }, "each card lengthens the link")
    }
}
