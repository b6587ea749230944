import Bitrix24
import PassBuilder

/// Who calls: the app with its OAuth token (`auth`), or an incoming webhook's URL credentials.
public enum MockCaller: Sendable, Hashable {
    case app(token: String?)
    case webhook(user: Int, secret: String)
}

/// An HTTP status and a JSON body.
public struct MockReply: Sendable, Hashable {
    public var status: Int
    public var body: JSONValue

    static func error(_ status: Int, _ code: String, _ description: String) -> MockReply {
        MockReply(status: status, body: .object(["error": .string(code), "error_description": .string(description)]))
    }
}

/// A method's own outcome, before the envelope.
enum MethodResult {
    case value(JSONValue)
    case page(JSONValue, next: Int?, total: Int)
    case failure(MockReply)
}

extension MockPortal {
    static let pageSize = 50
    /// Methods only an application may call; an incoming webhook gets `WRONG_AUTH_TYPE`.
    static let appOnly: Set<String> = ["placement.bind", "placement.get", "bizproc.robot.add", "bizproc.robot.list", "bizproc.robot.delete", "event.bind", "event.get", "event.offline.get", "event.offline.clear", "bizproc.event.send"]

    /// One REST call, answered as the portal would: authentication, the rate limit, then the method.
    public mutating func call(_ method: String, params: [String: JSONValue], caller: MockCaller, now: Double) -> MockReply {
        let method = method.lowercased()
        // Down for maintenance or unreachable: the front proxy answers, the portal never sees the call.
        if down { return MockReply(status: 502, body: .string("Bad Gateway")) }
        switch caller {
        case .app(let token):
            guard let token, !token.isEmpty else { return .error(401, "NO_AUTH_FOUND", "Wrong authorization data") }
            if expiredTokens.contains(token) { return .error(401, "expired_token", "The access token provided has expired.") }
            // The app's tokens, or a user's (the AUTH_ID a placement is opened with).
            guard accessTokens.contains(token) || userTokens[token] != nil else { return .error(401, "NO_AUTH_FOUND", "Wrong authorization data") }
        case .webhook(let user, let secret):
            guard user == webhook.user, secret == webhook.secret else { return .error(401, "NO_AUTH_FOUND", "Wrong authorization data") }
            if Self.appOnly.contains(method) { return .error(400, "WRONG_AUTH_TYPE", "Current authorization type is denied for this method") }
        }
        guard admit(now: now) else { return .error(503, "QUERY_LIMIT_EXCEEDED", "Too many requests") }
        return answer(method, params: params, caller: caller, now: now)
    }

    /// The leaky bucket: each request adds one, it drains at `rate` a second, over `burst` is refused.
    mutating func admit(now: Double) -> Bool {
        if let levelAt { level = max(0, level - (now - levelAt) * rate) }
        levelAt = now
        guard level + 1 <= burst else { return false }
        level += 1
        return true
    }

    mutating func answer(_ method: String, params: [String: JSONValue], caller: MockCaller, now: Double) -> MockReply {
        calls.append(method)
        if var queue = injected[method], !queue.isEmpty {
            let failure = queue.removeFirst()
            injected[method] = queue
            return .error(failure.status, failure.code, failure.description)
        }
        let outcome: MethodResult
        if method == "batch" {
            outcome = batch(params, caller: caller, now: now)
        } else {
            outcome = run(method, params, caller: caller)
        }
        let time: JSONValue = .object([
            "start": .number(now), "finish": .number(now + 0.01), "duration": .number(0.01), "processing": .number(0.005),
            "operating": .number(0), "operating_reset_at": .integer(Int64(now) + 600),
        ])
        switch outcome {
        case .value(let result):
            return MockReply(status: 200, body: .object(["result": result, "time": time]))
        case .page(let result, let next, let total):
            var body: [String: JSONValue] = ["result": result, "total": .integer(Int64(total)), "time": time]
            if let next { body["next"] = .integer(Int64(next)) }
            return MockReply(status: 200, body: .object(body))
        case .failure(let reply):
            return reply
        }
    }

    /// `batch {halt, cmd: {key: "method?query"}}`: up to 50 calls, always HTTP 200, per-call
    /// errors in `result_error`.
    mutating func batch(_ params: [String: JSONValue], caller: MockCaller, now: Double) -> MethodResult {
        guard let commands = params["cmd"]?.objectValue else { return .failure(.error(400, "", "cmd is required")) }
        guard commands.count <= 50 else { return .failure(.error(400, "ERROR_BATCH_LENGTH_EXCEEDED", "Max batch length exceeded")) }
        let halt = MockParams.text(params["halt"]) == "1"
        var results: [String: JSONValue] = [:], errors: [String: JSONValue] = [:], totals: [String: JSONValue] = [:], nexts: [String: JSONValue] = [:]
        calls: for key in commands.keys.sorted() {
            guard let line = commands[key]?.stringValue else { continue }
            let parts = line.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
            let method = String(parts[0]).lowercased()
            if method == "batch" {
                errors[key] = .object(["error": .string("ERROR_BATCH_METHOD_NOT_ALLOWED"), "error_description": .string("Method is not allowed for batch usage")])
                continue
            }
            let sub = MockParams.parse(form: parts.count > 1 ? Array(parts[1].utf8) : [])
            calls.append(method)
            switch run(method, sub, caller: caller) {
            case .value(let v): results[key] = v
            case .page(let v, let next, let total):
                results[key] = v
                totals[key] = .integer(Int64(total))
                if let next { nexts[key] = .integer(Int64(next)) }
            case .failure(let reply):
                errors[key] = reply.body
                if halt { break calls }
            }
        }
        return .value(.object([
            "result": .object(results), "result_error": .object(errors), "result_total": .object(totals), "result_next": .object(nexts),
            "result_time": .object([:]),
        ]))
    }
}
