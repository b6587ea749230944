import Bitrix24
import Core
import Distribution
import Foundation
import PassBuilder
import Storage
import Testing
import TestSupport

@testable import Server

/// Rotating the server secret: what wallets and links already hold keeps working, what is made
/// afterwards uses the new secret.
@Suite struct SecretRotationTests {
    static let old = [UInt8](repeating: 0x11, count: 32)
    static let new = [UInt8](repeating: 0x22, count: 32)
    static let type = "pass.example.loyalty"

    @Test func aPassKeepsTheTokenOfItsGeneration() throws {
        let before = AuthenticationTokens(secret: Self.old)
        let after = AuthenticationTokens(ring: try SecretRing(current: Self.new, previous: [Self.old]))
        #expect(before.serialPrefix == "" && after.serialPrefix == "g1-")
        // A serial made before the rotation: the same token, still accepted.
        let legacy = "K7M2P9Q4R8S3T6V5W2X9"
        let token = before.token(passTypeIdentifier: Self.type, serialNumber: legacy)
        #expect(after.token(passTypeIdentifier: Self.type, serialNumber: legacy) == token)
        #expect(after.isValid(token, passTypeIdentifier: Self.type, serialNumber: legacy))
        // A serial made after: keyed by the new secret, not the old.
        let fresh = after.serialPrefix + "K7M2P9Q4R8S3T6V5W2X9"
        let freshToken = after.token(passTypeIdentifier: Self.type, serialNumber: fresh)
        #expect(freshToken == AuthenticationTokens(secret: Self.new).token(passTypeIdentifier: Self.type, serialNumber: fresh))
        #expect(!after.isValid(before.token(passTypeIdentifier: Self.type, serialNumber: fresh), passTypeIdentifier: Self.type, serialNumber: fresh))
        #expect(after.isValid(freshToken, passTypeIdentifier: Self.type, serialNumber: fresh))
        // A generation this server doesn't have, or not a generation at all, counts as the first.
        for serial in ["g2-ABC", "g0-ABC", "g01-ABC", "gx-ABC", "g-ABC"] {
            #expect(after.token(passTypeIdentifier: Self.type, serialNumber: serial) == before.token(passTypeIdentifier: Self.type, serialNumber: serial), "\(serial)")
        }
        #expect(throws: SecretRing.TooShort.self) { try SecretRing(current: Self.new, previous: [[1, 2, 3]]) }
    }

    @Test func linksAndSealedTokensFromBeforeStillOpen() throws {
        let ring = try SecretRing(current: Self.new, previous: [Self.old])
        // A whole minute: a token carries its expiry in minutes.
        let claims = LinkClaims(scope: .card, linkID: 7, generation: 0, expiresAt: Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / 60).rounded(.up) * 60 + 3600))
        let oldLink = LinkTokenSigner(secret: Self.old).token(for: claims)
        #expect(try LinkTokenSigner(ring: ring).verify(oldLink, now: Date()) == claims)
        #expect(LinkTokenSigner(ring: ring).token(for: claims) == LinkTokenSigner(secret: Self.new).token(for: claims))
        #expect(throws: LinkTokenError.tampered) { try LinkTokenSigner(secret: Self.new).verify(oldLink, now: Date()) }

        let tokens = OAuthTokens(accessToken: "a", refreshToken: "r", expiresIn: 3600, clientEndpoint: "https://x.bitrix24.ru/rest/")
        let sealed = try TokenSealer(secret: Self.old).seal(tokens)
        #expect(try TokenSealer(ring: ring).open(sealed) == tokens)
        #expect(throws: TokenSealer.SealError.self) { try TokenSealer(secret: Self.new).open(sealed) }
    }

    @Test func rotatingTheDataDirectoryKeepsTheOldSecret() throws {
        let dir = try Scratch.directory("secret-rotate")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = DataDirectory(path: dir.path)
        let first = try data.secret(configured: nil)
        #expect(try data.rotateSecret() == 1)
        #expect(try data.rotateSecret() == 2)
        let ring = try data.secrets(configured: nil, configuredPrevious: nil)
        #expect(ring.generation == 2)
        #expect(ring.previous.first == first)
        #expect(ring.current != first && ring.previous[1] != first && ring.previous[1] != ring.current)
        for name in ["secret", "secret.previous"] {
            let mode = try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent(name).path)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(name)")
        }
        #expect(throws: DataDirectoryError.self) { try data.secrets(configured: nil, configuredPrevious: "abcd") }
    }

    /// A server rotated from the old secret to the new: a pass of the old generation is served to
    /// the device holding it with its old token, inside the pass too; a new card is keyed anew.
    @Test(arguments: Engine.allCases)
    func aRotatedServerServesOldPassesAndIssuesNewOnes(_ engine: Engine) async throws {
        try await TestServer.run(engine, configure: {
            $0.secretHex = Hex.encode(Self.new)
            $0.previousSecretsHex = Hex.encode(Self.old)
        }) { s, client in
            // A pass made before the rotation (its serial carries no generation).
            let legacy = "LEGACY0000000000001"
            let created = try await client.execute(
                uri: "/api/v1/passes", method: .post, headers: s.adminAuth, body: .init(string: #"{"template":"loyalty","serialNumber":"\#(legacy)"}"#))
            #expect(created.status == .created)
            let oldToken = AuthenticationTokens(secret: Self.old).token(passTypeIdentifier: s.passType, serialNumber: legacy)
            let fetched = try await client.execute(uri: "/v1/passes/\(s.passType)/\(legacy)", method: .get, headers: [.authorization: "ApplePass \(oldToken)"])
            #expect(fetched.status == .ok)
            let pass = try JSONValue(parsing: try #require(try PassArchive(bytes: Array(fetched.body.readableBytesView)).entries.first { $0.name == "pass.json" }).data)
            #expect(pass["authenticationToken"] == .string(oldToken), "an updated pass keeps its token")
            let refused = try await client.execute(
                uri: "/v1/passes/\(s.passType)/\(legacy)", method: .get,
                headers: [.authorization: "ApplePass \(AuthenticationTokens(secret: Self.new).token(passTypeIdentifier: s.passType, serialNumber: legacy))"])
            #expect(refused.status == .unauthorized)

            // A card issued now: generation 1, keyed by the new secret.
            let card = try await LoyaltyAPI(s, client).issue("Anna", phone: "+79120000001")
            let serial = try #require(card["serialNumber"]?.stringValue)
            #expect(serial.hasPrefix("g1-"))
            let newToken = AuthenticationTokens(secret: Self.new).token(passTypeIdentifier: s.passType, serialNumber: serial)
            #expect(try await client.execute(uri: "/v1/passes/\(s.passType)/\(serial)", method: .get, headers: [.authorization: "ApplePass \(newToken)"]).status == .ok)

            // Clients may not choose serials that look like the server's generations.
            let reserved = try await client.execute(
                uri: "/api/v1/passes", method: .post, headers: s.adminAuth, body: .init(string: #"{"template":"loyalty","serialNumber":"g7-mine"}"#))
            #expect(reserved.status == .unprocessableContent)
        }
    }
}
