import Core
import Testing

@Suite struct WebhookSignatureTests {
    let key = Array("0123456789abcdef0123456789abcdef".utf8)
    let t0: Int64 = 1_760_000_000
    let body = Array(#"{"event":"join.completed"}"#.utf8)

    @Test func signaturesVerify() {
        let signer = WebhookSignature(secret: key)
        let header = signer.sign(body, timestamp: t0)
        #expect(header.hasPrefix("t=1760000000,v1="))
        #expect(signer.verify(header, body: body, now: t0 + 60))
        #expect(!signer.verify(header, body: body + [0x20], now: t0))
        #expect(!signer.verify(header, body: body, now: t0 + 301))
        #expect(!WebhookSignature(secret: Array(key.reversed())).verify(header, body: body, now: t0))
        #expect(!signer.verify("t=1760000000", body: body, now: t0))
    }

    /// Pinned, so receivers' verifiers keep working: computed independently with Python,
    /// `hmac.new(key, b"1760000000." + body, hashlib.sha256).hexdigest()`.
    @Test func knownVectors() {
        let signer = WebhookSignature(secret: key)
        #expect(signer.sign(body, timestamp: t0) == "t=1760000000,v1=\(Self.v1)")
        #expect(signer.legacySHA256(body) == "sha256=\(Self.legacy)")
    }

    @Test func parsingToleratesSpacesAndSeveralSignatures() {
        let signer = WebhookSignature(secret: key)
        #expect(signer.verify("t=1760000000, v1=\(String(repeating: "0", count: 64)), v1=\(Self.v1)", body: body, now: t0))
        #expect(!signer.verify("v1=\(Self.v1)", body: body, now: t0))  // no timestamp
        #expect(!signer.verify("t=1760000000,v1=\(Self.v1.dropLast())", body: body, now: t0))
    }

    static let v1 = "9b29e8fc1da9d6d19b27509b025a2d566477b4fecc0b60c1aeecc331062469c3"
    static let legacy = "4000c3d0f7afa89421f8d5e29176297fcb8c1e040b1e2ea63892fc611216fef0"
}
