import Core
import Testing

@Suite struct IdempotencyKeyTests {
    @Test func keysAreOneTo255VisibleASCIICharacters() {
        #expect(IdempotencyKey("a")?.value == "a")
        #expect(IdempotencyKey(String(repeating: "k", count: 255)) != nil)
        #expect(IdempotencyKey("!~order-42:retry") != nil)
        #expect(IdempotencyKey("") == nil)
        #expect(IdempotencyKey(String(repeating: "k", count: 256)) == nil)
        #expect(IdempotencyKey("with space") == nil)
        #expect(IdempotencyKey("tab\t") == nil)
        #expect(IdempotencyKey("del\u{7F}") == nil)
        #expect(IdempotencyKey("ключ") == nil)
    }

    /// Pinned: stored fingerprints must match a retry's after an upgrade. Computed independently:
    /// `hashlib.sha256(b"POST /api/v1/broadcasts\n" + b'{"a":1}').hexdigest()`.
    @Test func fingerprintIsSHA256OfMethodPathAndBody() {
        #expect(IdempotencyKey.fingerprint(method: "POST", path: "/api/v1/broadcasts", body: Array(#"{"a":1}"#.utf8))
            == "52f613b379a85e9fb468a83c6aebe86310c8c37df22eed10b36dc9e2c7ea58c0")
    }

    @Test func methodPathAndBodyEachCount() {
        let body = Array(#"{"a":1}"#.utf8)
        let base = IdempotencyKey.fingerprint(method: "POST", path: "/api/v1/cards", body: body)
        #expect(IdempotencyKey.fingerprint(method: "POST", path: "/api/v1/cards", body: body) == base)
        #expect(IdempotencyKey.fingerprint(method: "PUT", path: "/api/v1/cards", body: body) != base)
        #expect(IdempotencyKey.fingerprint(method: "POST", path: "/api/v1/broadcasts", body: body) != base)
        #expect(IdempotencyKey.fingerprint(method: "POST", path: "/api/v1/cards", body: body + [0x20]) != base)
    }
}
