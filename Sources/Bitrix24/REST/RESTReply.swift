import PassBuilder

/// What a REST call answered: `{"result": …, "time": …}` (lists add `next` and `total`), or
/// `{"error": "<code>", "error_description": "…"}` with the HTTP status.
public enum RESTReply: Sendable, Hashable {
    case success(result: JSONValue, next: Int?, total: Int?)
    case failure(Bitrix24Error)

    /// Reads a response. A body that is not such an envelope is a failure whose code is empty
    /// and whose status is kept, so a proxy's HTML error page is retried like any 5xx.
    public init(status: Int, body: [UInt8]) {
        guard let json = try? JSONValue(parsingLeniently: body), case .object(let members) = json else {
            self = .failure(Bitrix24Error(status: status, code: "", description: "not a Bitrix24 reply (HTTP \(status))"))
            return
        }
        if let code = members["error"] {
            self = .failure(Bitrix24Error(status: status, code: code.stringValue ?? "", description: members["error_description"]?.stringValue ?? ""))
        } else if let result = members["result"], (200..<300).contains(status) {
            self = .success(result: result, next: CRMFields.text(members["next"]).flatMap { Int($0) }, total: CRMFields.text(members["total"]).flatMap { Int($0) })
        } else {
            self = .failure(Bitrix24Error(status: status, code: "", description: "a reply without result (HTTP \(status))"))
        }
    }
}

/// A refused REST call, with what the caller should do about it.
public struct Bitrix24Error: Error, Sendable, Hashable, CustomStringConvertible {
    public var status: Int
    /// `expired_token`, `QUERY_LIMIT_EXCEEDED`, … or empty (method-level errors such as `Not found`).
    public var code: String
    public var description: String

    public init(status: Int, code: String, description: String) {
        self.status = status
        self.code = code
        self.description = description
    }

    /// What to do next.
    public enum Disposition: Sendable, Hashable {
        /// `expired_token`: refresh the access token once, then repeat the call.
        case refreshToken
        /// The portal's limits or a passing failure: try again later.
        case retry
        /// The call itself is wrong, or the app has lost its rights: retrying cannot help.
        case fail
        /// The portal no longer has the app (uninstalled, deleted, unpaid): stop calling it.
        case disconnected
    }

    /// Bitrix24's documented error codes ("Error codes", REST API docs), by what they mean here.
    public var disposition: Disposition {
        switch code {
        case "expired_token": .refreshToken
        case "QUERY_LIMIT_EXCEEDED", "OPERATION_TIME_LIMIT", "OVERLOAD_LIMIT", "INTERNAL_SERVER_ERROR": .retry
        case "NO_AUTH_FOUND", "invalid_token", "invalid_grant", "invalid_client", "PAYMENT_REQUIRED", "PORTAL_DELETED", "APPLICATION_NOT_FOUND": .disconnected
        case "":
            status >= 500 || status == 429 || status == 408 ? .retry : .fail
        default:
            .fail
        }
    }

    public var isNotFound: Bool { code.isEmpty && description == "Not found" }
}
