import Storage

/// Who called an `/api/v1` operation, and the request's fingerprint, as the API middlewares
/// learned them: bound for the rest of the request (a task-local), since generated handlers get
/// the operation's input only.
struct APICaller: Sendable {
    var identity: APIIdentity
    /// `IdempotencyKey.fingerprint` of the method, path and body; nil until the body is read.
    var fingerprint: String?

    @TaskLocal static var current: APICaller?

    /// The caller of the operation running now. Every operation passes ``APIAuthMiddleware`` first,
    /// so this is set; if a route were registered past it, the answer is 401, never a crash.
    static func identity() throws -> APIIdentity {
        guard let current else { throw APIError(.unauthorized, "Authorization: Bearer <token> is required") }
        return current.identity
    }
}

/// The scope each operation requires: one table instead of a check at the top of every handler.
enum OperationScopes {
    /// Operations a `crm` key may call; every other operation needs `admin`.
    static let crm: Set<String> = [
        Operations.ListCards.id, Operations.CreateCard.id, Operations.GetCard.id, Operations.BlockCard.id,
        Operations.UnblockCard.id, Operations.ChangeCardTier.id, Operations.ListTransactions.id,
        Operations.CreateTransaction.id, Operations.GetCardPass.id, Operations.GetProgram.id,
        Operations.CreateCardLink.id, Operations.RevokeCardLinks.id, Operations.SendCardLinkSms.id, Operations.GetSms.id,
    ]

    static func required(for operationID: String) -> APIScope {
        crm.contains(operationID) ? .crm : .admin
    }
}

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
