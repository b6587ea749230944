import Core
import Foundation
import Testing
import TestSupport

@Suite struct Base64URLTests {
    @Test func roundTripsAndIsStrict() {
        var rng = SplitMix64(seed: 3)
        for n in 0..<64 {
            let bytes = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let text = Base64URL.encode(bytes)
            #expect(!text.contains("=") && !text.contains("+") && !text.contains("/"))
            #expect(Base64URL.decode(text) == bytes)
        }
        #expect(Base64URL.decode("QQ==") == nil)
        #expect(Base64URL.decode("Q") == nil)
        #expect(Base64URL.decode("QR") == nil)  // unused bits set
        #expect(Base64URL.decode("QQ") == [0x41])
        #expect(Base64URL.decode("a+b/") == nil)
    }

    /// RFC 4648 §10's test vectors, with §5's alphabet and the padding dropped.
    @Test func rfc4648Vectors() {
        let vectors = ["": "", "f": "Zg", "fo": "Zm8", "foo": "Zm9v", "foob": "Zm9vYg", "fooba": "Zm9vYmE", "foobar": "Zm9vYmFy"]
        for (plain, encoded) in vectors {
            #expect(Base64URL.encode(plain.utf8) == encoded)
            #expect(Base64URL.decode(encoded) == Array(plain.utf8))
        }
        // The two characters where base64url differs from base64.
        #expect(Base64URL.encode([0xFA, 0xFB, 0xFC, 0xFD, 0xFE, 0xFF, 0xFB, 0xFF]) == "-vv8_f7_-_8")
    }

    /// Agrees with Foundation's base64 on every length, after the §5 substitutions.
    @Test func matchesFoundation() {
        var rng = SplitMix64(seed: 9)
        for n in 0..<100 {
            let bytes = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let expected = Data(bytes).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
            #expect(Base64URL.encode(bytes) == expected)
        }
    }

    /// A 32-byte MAC is 43 characters whose last carries two padding bits: only one spelling decodes.
    @Test func oneSpellingPerMAC() {
        let mac = [UInt8](repeating: 0xAB, count: 32)
        let token = Base64URL.encode(mac)
        #expect(token.utf8.count == 43)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        let last = alphabet.firstIndex(of: token.last!)!
        for flip in 1..<4 {
            #expect(Base64URL.decode(String(token.dropLast()) + String(alphabet[last ^ flip])) == nil)
        }
        #expect(Base64URL.decode(token) == mac)
    }
}
