import Core
import Foundation
import Testing
import TestSupport

@testable import Distribution

@Suite struct LinkTokenTests {
    let signer = LinkTokenSigner(secret: Array(repeating: 7, count: 32))
    let now = Date(timeIntervalSince1970: 1_760_000_000)

    func claims(_ scope: LinkScope = .card, id: Int64 = 42, generation: UInt32 = 0, days: Double = 30) -> LinkClaims {
        LinkClaims(scope: scope, linkID: id, generation: generation, expiresAt: now.addingTimeInterval(days * 86_400))
    }

    @Test func roundTripsAndIsShort() throws {
        let c = claims(.household, id: 123_456, generation: 3)
        let token = signer.token(for: c)
        #expect((22...32).contains(token.count), "\(token) is \(token.count) characters")
        #expect(token.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        let back = try signer.verify(token, now: now)
        #expect(back.scope == .household && back.linkID == 123_456 && back.generation == 3)
        // Minutes: the expiry is rounded up to the next whole minute, never earlier than asked.
        #expect(back.expiresAt >= c.expiresAt && back.expiresAt.timeIntervalSince(c.expiresAt) < 60)
    }

    @Test func randomClaimsRoundTrip() throws {
        var rng = SplitMix64(seed: 11)
        for _ in 0..<500 {
            let id = Int64.random(in: 1...Int64.max, using: &rng) >> Int64.random(in: 0...62, using: &rng)
            let c = LinkClaims(
                scope: Bool.random(using: &rng) ? .card : .household, linkID: max(1, id), generation: UInt32.random(in: 0...UInt32.max, using: &rng),
                expiresAt: now.addingTimeInterval(Double.random(in: 60...3_000_000_000, using: &rng)))
            let token = signer.token(for: c)
            let back = try signer.verify(token, now: now)
            #expect(back.scope == c.scope && back.linkID == c.linkID && back.generation == c.generation)
        }
    }

    @Test func everySingleCharacterChangeIsRefused() {
        let token = signer.token(for: claims())
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        var chars = Array(token)
        for i in chars.indices {
            let original = chars[i]
            for replacement in alphabet where replacement != original {
                chars[i] = replacement
                do {
                    _ = try signer.verify(String(chars), now: now)
                    Issue.record("accepted \(String(chars)) (position \(i) changed)")
                } catch {
                    #expect(error == .tampered || error == .malformed)
                }
            }
            chars[i] = original
        }
    }

    @Test func anotherSecretsTokenIsTampered() {
        let other = LinkTokenSigner(secret: Array(repeating: 8, count: 32))
        #expect(throws: LinkTokenError.tampered) { try signer.verify(other.token(for: claims()), now: now) }
    }

    @Test func expiredIsDistinguishedAndCarriesTheClaims() {
        let token = signer.token(for: claims(days: 1))
        #expect(throws: Never.self) { try signer.verify(token, now: now.addingTimeInterval(86_399)) }
        do {
            _ = try signer.verify(token, now: now.addingTimeInterval(86_460))
            Issue.record("an expired token was accepted")
        } catch {
            guard case .expired(let c) = error else { Issue.record("expected expired, got \(error)"); return }
            #expect(c.linkID == 42)
        }
    }

    @Test func malformedInputs() {
        for bad in ["", "abc", "!!!!!!!!!!!!!!!!!!!!!!!!!!!", String(repeating: "A", count: 60), String(repeating: "A", count: 25)] {
            #expect(throws: LinkTokenError.malformed, "\(bad)") { try signer.verify(bad, now: now) }
        }
        // Token-shaped (the right length) but not sealed by us: tampered.
        #expect(throws: LinkTokenError.tampered) { try signer.verify(String(repeating: "A", count: 27), now: now) }
        // A second spelling of the same bytes (non-zero unused bits) is not accepted.
        let token = signer.token(for: claims())
        let last = token.last!
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        let index = alphabet.firstIndex(of: last)!
        let sibling = String(token.dropLast()) + String(alphabet[index ^ 1])
        #expect(throws: (any Error).self) { try signer.verify(sibling, now: now) }
    }
}
