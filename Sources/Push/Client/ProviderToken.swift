import Core
import Crypto
import Synchronization
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An APNs provider token: an ES256 JWT signed with a `.p8` key, shared by every connection that
/// uses the key and reused for `refreshInterval`.
///
/// Apple refuses tokens older than an hour (403 `ExpiredProviderToken`) and tokens renewed more
/// often than every 20 minutes (429 `TooManyProviderTokenUpdates`), so one token is cached, not one
/// per connection or request.
final class ProviderToken: Sendable {
    let teamID: String
    let keyID: String
    let refreshInterval: Duration
    private let key: P256.Signing.PrivateKey
    private let state = Mutex<Cached?>(nil)

    private struct Cached {
        var header: String
        var issued: ContinuousClock.Instant
    }

    init(teamID: String, keyID: String, privateKeyPEM: String, refreshInterval: Duration, topic: String) throws(APNsClientError) {
        func invalid(_ detail: String) -> APNsClientError { .invalidCredentials(topic: topic, detail: detail) }
        guard Self.isTokenField(teamID) else { throw invalid("team ID \"\(teamID)\" must be letters and digits") }
        guard Self.isTokenField(keyID) else { throw invalid("key ID \"\(keyID)\" must be letters and digits") }
        do {
            key = try P256.Signing.PrivateKey(pemRepresentation: privateKeyPEM)
        } catch {
            throw invalid("the auth key is not a PEM P-256 private key (.p8): \(error)")
        }
        self.teamID = teamID
        self.keyID = keyID
        self.refreshInterval = refreshInterval
    }

    /// The `authorization` header value, `bearer <jwt>`, renewed once the cached one is
    /// `refreshInterval` old.
    func authorization(now: ContinuousClock.Instant = .now, wallClock: () -> Date = Date.init) -> String {
        state.withLock { cached in
            if let current = cached, current.issued.duration(to: now) < refreshInterval { return current.header }
            let header = "bearer " + makeJWT(issuedAt: wallClock())
            cached = Cached(header: header, issued: now)
            return header
        }
    }

    /// Forget the cached token (APNs said it expired, e.g. after a clock jump): the next request
    /// signs a new one, unless the cached one is younger than 20 minutes, which APNs would punish.
    func invalidate(now: ContinuousClock.Instant = .now) {
        state.withLock { cached in
            if let current = cached, current.issued.duration(to: now) >= .seconds(20 * 60) { cached = nil }
        }
    }

    /// A JWT `{"alg":"ES256","kid":…}.{"iss":…,"iat":…}` signed with the key (raw r‖s signature).
    func makeJWT(issuedAt: Date) -> String {
        let header = #"{"alg":"ES256","kid":"\#(keyID)"}"#
        let claims = #"{"iss":"\#(teamID)","iat":\#(Int64(issuedAt.timeIntervalSince1970))}"#
        let signingInput = Base64URL.encode(header.utf8) + "." + Base64URL.encode(claims.utf8)
        // Signing a P-256 digest can only fail for a broken key, which init already refused.
        let signature = try! key.signature(for: Array(signingInput.utf8))
        return signingInput + "." + Base64URL.encode(signature.rawRepresentation)
    }

    /// Team and key IDs go into JSON unescaped, so only letters and digits are allowed.
    private static func isTokenField(_ value: String) -> Bool {
        !value.isEmpty && value.utf8.count <= 64 && value.utf8.allSatisfy {
            ($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z")) || ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z"))
                || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9"))
        }
    }
}
