import Hummingbird
import NIOCore
import Storage

/// Who is calling the API.
public enum APIIdentity: Sendable, Hashable {
    /// The configured admin token: every scope.
    case adminToken
    case key(id: String, scopes: Set<APIScope>)

    func allows(_ scope: APIScope) -> Bool {
        switch self {
        case .adminToken: return true
        case .key(_, let scopes): return scopes.contains(.admin) || scopes.contains(scope)
        }
    }

    /// Idempotency keys are per caller.
    var idempotencyScope: String {
        switch self {
        case .adminToken: return "admin"
        case .key(let id, _): return "key:\(id)"
        }
    }
}

/// The request context: Hummingbird's core plus the caller's identity once authenticated.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var identity: APIIdentity?
    /// The connection's peer (rate limits of the public pages).
    public var remoteAddress: SocketAddress?

    public init(source: Source) {
        coreContext = .init(source: source)
        identity = nil
        remoteAddress = source.channel.remoteAddress
    }

    /// Throws 403 unless the caller has `scope`.
    func require(_ scope: APIScope) throws -> APIIdentity {
        guard let identity else { throw APIError(.unauthorized, "Authorization: Bearer <token> is required") }
        guard identity.allows(scope) else { throw APIError(.forbidden, "this key lacks the \(scope.rawValue) scope") }
        return identity
    }
}
