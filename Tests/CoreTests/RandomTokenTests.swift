import Core
import Testing
import TestSupport

@Suite struct RandomTokenTests {
    @Test func lengthsAndAlphabets() {
        #expect(RandomToken.bytes(32).count == 32)
        let hex = RandomToken.hex(bytes: 24)
        #expect(hex.count == 48 && Hex.decode(hex)?.count == 24)
        let b64 = RandomToken.base64URL(bytes: 16)
        #expect(b64.count == 22 && Base64URL.decode(b64)?.count == 16)
        let alphabet = Array("abcdefghijkmnopqrstuvwxyz23456789")
        let s = RandomToken.string(32, alphabet: alphabet)
        #expect(s.count == 32 && s.allSatisfy(alphabet.contains))
    }

    @Test func drawsDiffer() {
        // 2^-128 chance of a false failure.
        #expect(RandomToken.bytes(16) != RandomToken.bytes(16))
        #expect(RandomToken.hex(bytes: 16) != RandomToken.hex(bytes: 16))
    }

    @Test func aSeededGeneratorRepeats() {
        var a = SplitMix64(seed: 1)
        var b = SplitMix64(seed: 1)
        #expect(RandomToken.bytes(20, using: &a) == RandomToken.bytes(20, using: &b))
    }
}
