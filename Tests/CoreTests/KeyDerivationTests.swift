import Core
import Testing

@Suite struct KeyDerivationTests {
    /// Pinned: link tokens and one-time code hashes in the wild depend on these bytes. Computed
    /// independently with Python: `hmac.new(bytes([7] * 32), label, hashlib.sha256).hexdigest()`.
    @Test func knownVectors() {
        let secret = [UInt8](repeating: 7, count: 32)
        #expect(Hex.encode(KeyDerivation.derive(secret, label: "passline one-time codes v1"))
            == "d47f974123b4eb76008a7ad9e6b18b0fdba0f6476f7cbc978b9183a0f3358517")
        #expect(Hex.encode(KeyDerivation.derive(secret, label: "passline download links v1"))
            == "bcf275aadf736253410c8fa0adce1adc055806645e74a12d44466286ce15dfd0")
    }

    @Test func labelsAndSecretsSeparateKeys() {
        let secret = [UInt8](repeating: 7, count: 32)
        #expect(KeyDerivation.derive(secret, label: "a") != KeyDerivation.derive(secret, label: "b"))
        #expect(KeyDerivation.derive(secret, label: "a") != KeyDerivation.derive([UInt8](repeating: 8, count: 32), label: "a"))
        #expect(KeyDerivation.derive(secret, label: "a").count == 32)
    }
}
