import Core
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Storage

/// A signed-in operator's session, as a request found it.
struct AdminSession: Sendable {
    /// The cookie's value (never stored: the database has its hash).
    let id: String
    let owner: AdminSessionOwner
    let csrfToken: String
}

/// Dashboard sign-in and sessions. The token is checked exactly as `/api/v1` checks a bearer
/// token (``APIAuthMiddleware/authenticate(_:)``: the admin token as digests in constant time,
/// a key by the hash of its secret) and must carry the `admin` scope; the session then lives in
/// `admin_sessions` (``AdminSessionStore``) behind an HttpOnly, SameSite=Strict cookie.
final class AdminSessions: Sendable {
    static let cookieName = "passline_admin"
    /// How long a session lasts from sign-in, whatever is done with it.
    static let lifetime: TimeInterval = 12 * 3600
    /// Longer input is no token of ours; it is refused without a lookup.
    static let maximumTokenLength = 256

    let store: AdminSessionStore
    let auth: APIAuthMiddleware
    /// The admin token's MAC under a key of the server secret's: what a session of the admin token stores.
    let adminTag: String
    /// `Secure` on the cookie: the server is reached over https (its public URL).
    let secureCookie: Bool

    /// - Parameter sessionKey: a key derived from the server secret for this use alone.
    init(database: any Database, adminToken: String, keys: APIKeyStore, sessionKey: [UInt8], publicURL: String) {
        store = AdminSessionStore(database: database)
        auth = APIAuthMiddleware(adminToken: adminToken, keys: keys)
        // A keyed hash of the token, so the table holds nothing to try guesses against offline. A
        // new admin token, or a rotated secret, ends the admin token's sessions.
        adminTag = Base64URL.encode(HMAC<SHA256>.authenticationCode(for: Array(adminToken.utf8), using: SymmetricKey(data: sessionKey)))
        secureCookie = publicURL.lowercased().hasPrefix("https://")
    }

    /// What signing in with a token gives.
    enum SignIn: Sendable {
        case signedIn(AdminSession)
        /// Unknown or revoked token: counts toward the address's limit.
        case wrongToken
        /// A real key without the `admin` scope.
        case notAdmin
    }

    func signIn(token: String, now: Date = Date()) async throws -> SignIn {
        guard !token.isEmpty, token.utf8.count <= Self.maximumTokenLength else { return .wrongToken }
        let identity: APIIdentity
        do {
            identity = try await auth.authenticate("Bearer " + token)
        } catch let error as APIError where error.status == .unauthorized {
            return .wrongToken
        }
        let owner: AdminSessionOwner
        switch identity {
        case .adminToken: owner = .adminToken(tag: adminTag)
        case .key(let id, let scopes):
            guard scopes.contains(.admin) else { return .notAdmin }
            owner = .key(id: id)
        }
        let session = AdminSession(id: RandomToken.base64URL(bytes: 32), owner: owner, csrfToken: RandomToken.base64URL(bytes: 32))
        try await store.create(sessionID: session.id, owner: owner, csrfToken: session.csrfToken, lifetime: Self.lifetime, now: now)
        return .signedIn(session)
    }

    /// The request's live session: its cookie names an unexpired row whose owner still may sign
    /// in (the same admin token; a key not revoked). A session whose owner lost that is deleted.
    func current(_ request: Request, now: Date = Date()) async throws -> AdminSession? {
        guard let id = request.cookies[Self.cookieName]?.value, Self.isWellFormed(id) else { return nil }
        guard let record = try await store.session(id, now: now) else { return nil }
        let valid: Bool = switch record.owner {
        case .adminToken(let tag): Self.equal(tag, adminTag)
        case .key: record.ownerActive
        }
        guard valid else {
            try await store.delete(id)
            return nil
        }
        return AdminSession(id: id, owner: record.owner, csrfToken: record.csrfToken)
    }

    func signOut(_ session: AdminSession) async throws {
        try await store.delete(session.id)
    }

    /// 43 base64url characters: what ``signIn(token:now:)`` makes. Anything else is not looked up.
    static func isWellFormed(_ id: String) -> Bool {
        id.utf8.count == 43 && Base64URL.decode(id) != nil
    }

    /// Constant-time comparison of two texts (CSRF tokens, tags).
    static func equal(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in x.indices { diff |= x[i] ^ y[i] }
        return diff == 0
    }

    /// `Set-Cookie` for a new session: only sent to `/admin`, never to scripts or other sites.
    func cookie(for session: AdminSession) -> String {
        "\(Self.cookieName)=\(session.id); Path=/admin; Max-Age=\(Int(Self.lifetime)); HttpOnly; SameSite=Strict" + (secureCookie ? "; Secure" : "")
    }

    /// `Set-Cookie` that makes the browser forget the session.
    func clearingCookie() -> String {
        "\(Self.cookieName)=; Path=/admin; Max-Age=0; HttpOnly; SameSite=Strict" + (secureCookie ? "; Secure" : "")
    }
}
