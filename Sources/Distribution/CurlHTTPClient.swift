// An OutboundHTTPClient on libcurl's easy interface. A transfer blocks its thread, so each runs
// on a dispatch queue (never on an event loop), with a cap on how many run at once.

import Core
import CCurl
import Dispatch
import Foundation
import Synchronization

/// Sends requests with libcurl: http and https only, no redirects followed, no signals, TLS
/// certificates verified against the system store, response bodies capped.
public final class CurlHTTPClient: OutboundHTTPClient {
    /// Transfers allowed at once; more wait their turn.
    public let maxConcurrent: Int
    /// Responses larger than this fail (a gateway's answer is small).
    public let maxResponseBytes: Int
    let queue = DispatchQueue(label: "passline.curl", attributes: .concurrent)
    let limiter: AsyncLimiter

    static let globalInit: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK

    public init(maxConcurrent: Int = 8, maxResponseBytes: Int = 1 << 20) {
        precondition(maxConcurrent > 0)
        self.maxConcurrent = maxConcurrent
        self.maxResponseBytes = maxResponseBytes
        limiter = AsyncLimiter(limit: maxConcurrent)
        _ = Self.globalInit
    }

    public func send(_ request: OutboundRequest) async throws -> OutboundResponse {
        try Self.check(request)
        try await limiter.acquire()
        defer { limiter.release() }
        let transfer = Transfer(limit: maxResponseBytes)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<OutboundResponse, any Error>) in
                queue.async {
                    continuation.resume(with: Result { try Self.perform(request, transfer) })
                }
            }
        } onCancel: {
            transfer.cancelled.store(true, ordering: .relaxed)
        }
    }

    /// Refuses what curl would misread: a non-http(s) URL, line breaks in the method or headers.
    static func check(_ request: OutboundRequest) throws(OutboundHTTPError) {
        let lower = request.url.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://"), !request.url.contains(where: { $0.isWhitespace || $0.asciiValue.map { $0 < 0x20 } == true }) else {
            throw .invalidURL
        }
        guard !request.method.isEmpty, request.method.allSatisfy({ $0.isLetter && $0.isASCII }) else { throw .invalidRequest("method \(request.method)") }
        for (name, value) in request.headers {
            guard !name.isEmpty, name.allSatisfy({ $0.isASCII && !$0.isWhitespace && $0 != ":" && $0.asciiValue! > 0x20 }) else {
                throw .invalidRequest("header name \(name)")
            }
            guard !value.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) else { throw .invalidRequest("header \(name) contains a line break") }
        }
    }

    /// State of one transfer, touched by curl's callbacks on the transfer's thread; `cancelled`
    /// is set from elsewhere.
    final class Transfer: Sendable {
        let limit: Int
        let cancelled = Atomic<Bool>(false)
        let state = Mutex<(body: [UInt8], headers: [(String, String)], tooLarge: Bool)>(([], [], false))
        init(limit: Int) { self.limit = limit }
    }

    static let onBody: passline_curl_callback = { data, size, count, context in
        let transfer = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
        let n = size * count
        let ok = transfer.state.withLock { s -> Bool in
            guard s.body.count + n <= transfer.limit else { s.tooLarge = true; return false }
            if let data { s.body += UnsafeRawBufferPointer(start: data, count: n) }
            return true
        }
        return ok ? n : 0
    }

    static let onHeader: passline_curl_callback = { data, size, count, context in
        let transfer = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
        let n = size * count
        guard let data else { return n }
        let line = String(decoding: UnsafeRawBufferPointer(start: data, count: n), as: UTF8.self).trimmingCharacters(in: .newlines)
        transfer.state.withLock { s in
            if line.hasPrefix("HTTP/") {
                s.headers = []  // a new response (after 100 Continue): its headers only
            } else if let colon = line.firstIndex(of: ":") {
                let name = String(line[..<colon])
                let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                s.headers.append((name, value))
            }
        }
        return n
    }

    static let onProgress: passline_curl_xferinfo = { context, _, _, _, _ in
        let transfer = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
        return transfer.cancelled.load(ordering: .relaxed) ? 1 : 0
    }

    static func perform(_ request: OutboundRequest, _ transfer: Transfer) throws -> OutboundResponse {
        guard let handle = curl_easy_init() else { throw OutboundHTTPError.transport("curl_easy_init failed") }
        defer { curl_easy_cleanup(handle) }
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }
        let context = Unmanaged.passUnretained(transfer).toOpaque()
        let timeout = request.timeout.components
        let millis = max(1, Int(timeout.seconds) * 1000 + Int(timeout.attoseconds / 1_000_000_000_000_000))

        var code = passline_curl_setopt_string(handle, CURLOPT_URL, request.url)
        func set(_ option: CURLoption, _ value: Int) { if code == CURLE_OK { code = passline_curl_setopt_long(handle, option, value) } }
        func set(_ option: CURLoption, _ value: String) { if code == CURLE_OK { code = passline_curl_setopt_string(handle, option, value) } }
        set(CURLOPT_NOSIGNAL, 1)
        set(CURLOPT_PROTOCOLS_STR, "http,https")
        set(CURLOPT_FOLLOWLOCATION, 0)
        set(CURLOPT_TIMEOUT_MS, millis)
        set(CURLOPT_CONNECTTIMEOUT_MS, millis)
        set(CURLOPT_NOPROGRESS, 0)
        if code == CURLE_OK { code = passline_curl_setopt_xferinfo(handle, onProgress) }
        if code == CURLE_OK { code = passline_curl_setopt_pointer(handle, CURLOPT_XFERINFODATA, context) }
        if code == CURLE_OK { code = passline_curl_setopt_callback(handle, CURLOPT_WRITEFUNCTION, onBody) }
        if code == CURLE_OK { code = passline_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, context) }
        if code == CURLE_OK { code = passline_curl_setopt_callback(handle, CURLOPT_HEADERFUNCTION, onHeader) }
        if code == CURLE_OK { code = passline_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, context) }

        let method = request.method.uppercased()
        if method == "HEAD" {
            set(CURLOPT_NOBODY, 1)
        } else if request.body.isEmpty && method == "GET" {
            set(CURLOPT_HTTPGET, 1)
        } else {
            if code == CURLE_OK { code = passline_curl_setopt_off_t(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count)) }
            // COPYPOSTFIELDS copies the bytes, so the buffer may go away after this call.
            if code == CURLE_OK {
                code = request.body.withUnsafeBytes { raw in
                    passline_curl_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!))
                }
            }
            if method != "POST" { set(CURLOPT_CUSTOMREQUEST, method) }
        }
        // No "Expect: 100-continue" round trip; then the caller's headers.
        headerList = curl_slist_append(headerList, "Expect:")
        for (name, value) in request.headers { headerList = curl_slist_append(headerList, "\(name): \(value)") }
        if code == CURLE_OK { code = passline_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList) }
        guard code == CURLE_OK else { throw OutboundHTTPError.transport("curl option refused: \(String(cString: curl_easy_strerror(code)))") }

        let result = curl_easy_perform(handle)
        let (body, headers, tooLarge) = transfer.state.withLock { ($0.body, $0.headers, $0.tooLarge) }
        switch result {
        case CURLE_OK:
            var status = 0
            _ = passline_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
            return OutboundResponse(status: status, headers: headers, body: body)
        case CURLE_WRITE_ERROR where tooLarge:
            throw OutboundHTTPError.transport("the response is larger than \(transfer.limit) bytes")
        case CURLE_ABORTED_BY_CALLBACK:
            throw CancellationError()
        case CURLE_OPERATION_TIMEDOUT:
            throw OutboundHTTPError.timedOut
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL:
            throw OutboundHTTPError.invalidURL
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_CONNECT, CURLE_SSL_CONNECT_ERROR,
             CURLE_PEER_FAILED_VERIFICATION, CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING:
            throw OutboundHTTPError.connectionFailed(String(cString: curl_easy_strerror(result)))
        default:
            throw OutboundHTTPError.transport(String(cString: curl_easy_strerror(result)))
        }
    }
}

/// A counting semaphore for async code: at most `limit` holders at once, served in order.
final class AsyncLimiter: Sendable {
    let limit: Int
    private let state = Mutex<(inUse: Int, waiters: [CheckedContinuation<Void, Never>])>((0, []))

    init(limit: Int) { self.limit = limit }

    func acquire() async throws {
        try Task.checkCancellation()
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s -> Bool in
                if s.inUse < limit {
                    s.inUse += 1
                    return true
                }
                s.waiters.append(c)
                return false
            }
            if now { c.resume() }
        }
    }

    func release() {
        let next = state.withLock { s -> CheckedContinuation<Void, Never>? in
            // The slot passes straight to the next waiter, if any.
            if s.waiters.isEmpty {
                s.inUse -= 1
                return nil
            }
            return s.waiters.removeFirst()
        }
        next?.resume()
    }
}
