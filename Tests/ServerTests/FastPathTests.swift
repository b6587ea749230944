import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOPosix
import Storage
import Testing
import TestSupport

@testable import Server

/// The cached-pass fast path: it answers exactly as the web service route would, only when it
/// may, and never out of order.
@Suite struct FastPathTests {
    /// Requests answered by the fast path so far (its counter in the server's metrics).
    static func fastAnswers(_ s: TestServer) -> Int {
        let text = String(decoding: s.server.metrics.exposition(), as: UTF8.self)
        let line = text.split(separator: "\n").first { $0.hasPrefix("passline_webservice_fast_answers_total ") }
        return line.flatMap { Double($0.split(separator: " ").last ?? "") }.map { Int($0) } ?? -1
    }

    @Test func stateMachineKeepsResponsesInOrder() {
        var s = FastPathState()
        #expect(s.mayAnswer)
        s.answered()
        #expect(!s.mayAnswer, "until the answered request's end has arrived")
        #expect(s.requestPart(isEnd: false) == .drop)
        #expect(s.requestPart(isEnd: true) == .drop)
        #expect(s.mayAnswer)
        // A request goes to the application: the next ones must wait behind it.
        #expect(s.forwarded() == .forward)
        #expect(s.requestPart(isEnd: true) == .forward)
        #expect(!s.mayAnswer)
        #expect(s.forwarded() == .forward)
        #expect(s.requestPart(isEnd: true) == .forward)
        s.responseEnded()
        #expect(!s.mayAnswer && s.outstanding == 1)
        s.responseEnded()
        #expect(s.mayAnswer)
        s.responseEnded() // an extra end (never expected) does not go negative
        #expect(s.outstanding == 0)
    }

    @Test func pathsTheFastPathTakes() {
        #expect(CachedPassFastPath.passPath("/v1/passes/pass.x.y/ABC123")! == ("pass.x.y", "ABC123"))
        for path in [
            "/v1/passes/pass.x.y", "/v1/passes/pass.x.y/", "/v1/passes//ABC", "/v1/passes/pass.x.y/A/B", "/v1/passes/pass.x.y/A%20B",
            "/v1/passes/pass.x.y/AB?x=1", "/v1/passes/pass.x.y/..", "/v1/passes/../ABC", "/v2/passes/pass.x.y/ABC", "/v1/passes/p/A\u{7}B",
            "/v1/passes/p/" + String(repeating: "A", count: 256),
        ] {
            #expect(CachedPassFastPath.passPath(path) == nil, "\(path) is for the route to decide")
        }
    }

    @Test(arguments: Engine.allCases)
    func answersAsTheRouteDoes(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let serial = try await s.createPass(client)
            let uri = "/v1/passes/\(s.passType)/\(serial)"
            let auth: HTTPFields = [.authorization: "ApplePass \(s.token(serial))"]
            let routed = try await client.execute(uri: uri, method: .get, headers: auth) // a miss: signed by the route
            #expect(routed.status == .ok && Self.fastAnswers(s) == 0)
            let answered = try await client.execute(uri: uri, method: .get, headers: auth)
            #expect(answered.status == .ok && Self.fastAnswers(s) == 1, "the second fetch came from the caches")
            #expect(answered.body == routed.body)
            for field in [HTTPField.Name.contentType, .lastModified, .cacheControl, .eTag, .contentLength, .server] {
                #expect(answered.headers[field] == routed.headers[field], "\(field)")
                #expect(answered.headers[field] != nil, "\(field)")
            }
            #expect(answered.headers[.date] != nil)

            let head = try await client.execute(uri: uri, method: .head, headers: auth)
            #expect(head.status == .ok && head.body.readableBytes == 0 && Self.fastAnswers(s) == 2)
            #expect(head.headers[.contentLength] == routed.headers[.contentLength])

            var since = auth
            since[.ifModifiedSince] = routed.headers[.lastModified]
            let notModified = try await client.execute(uri: uri, method: .get, headers: since)
            #expect(notModified.status == .notModified && notModified.body.readableBytes == 0 && Self.fastAnswers(s) == 3)
            #expect(notModified.headers[.lastModified] == routed.headers[.lastModified])

            // Not the fast path's to decide: a wrong token, a percent-encoded path.
            let other = try await s.createPass(client)
            let wrong = try await client.execute(uri: uri, method: .get, headers: [.authorization: "ApplePass \(s.token(other))"])
            #expect(wrong.status == .unauthorized && wrong.headers[.contentType] == "application/problem+json")
            let first = serial.utf8.first!
            let encodedSerial = "%" + String(first, radix: 16, uppercase: true) + serial.dropFirst()
            let encoded = try await client.execute(uri: "/v1/passes/\(s.passType)/\(encodedSerial)", method: .get, headers: auth)
            #expect(encoded.status == .ok && encoded.body == routed.body, "the route decodes it")
            #expect(Self.fastAnswers(s) == 3)

            // Counted like the route's answers.
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains(#"passline_http_requests_total{route="/v1/passes/{passType}/{serial}",method="GET",status="200"} "#))
            #expect(metrics.contains(#"passline_http_requests_total{route="/v1/passes/{passType}/{serial}",method="GET",status="304"} 1"#))

            // A change: the cached version is not served again.
            let patch = try await client.execute(
                uri: "/api/v1/passes/\(serial)", method: .patch, headers: s.adminAuth, body: ByteBuffer(string: #"{"values":{"points":7}}"#))
            #expect(patch.status == .ok)
            let changed = try await client.execute(uri: uri, method: .get, headers: auth)
            #expect(changed.status == .ok && changed.headers[.eTag] != routed.headers[.eTag] && Self.fastAnswers(s) == 3)
            let stale = try await client.execute(uri: uri, method: .get, headers: since)
            #expect(stale.status == .ok, "modified since: the new version, not 304")
        }
    }

    /// A pass fetched once through the client, so its version and signed bytes are cached.
    static func cachedPass(_ s: TestServer, _ client: any TestClientProtocol) async throws -> (uri: String, token: String, port: Int) {
        let serial = try await s.createPass(client)
        let uri = "/v1/passes/\(s.passType)/\(serial)"
        let token = s.token(serial)
        _ = try await client.execute(uri: uri, method: .get, headers: [.authorization: "ApplePass \(token)"])
        return (uri, token, try #require(client.port))
    }

    /// Writes `requests` as they are on a new connection and reads until `isWhole` says the
    /// answer is complete, or the server closes.
    static func exchange(port: Int, _ requests: String, isWhole: @escaping @Sendable ([UInt8]) -> Bool = { _ in false }) async throws -> String {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(host: "127.0.0.1", port: port) { channel in
            channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
        }
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: requests))
            var bytes: [UInt8] = []
            for try await chunk in inbound {
                bytes += chunk.readableBytesView
                if isWhole(bytes) { break }
            }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    /// Whether `bytes` hold one whole response with a `Content-Length`.
    static func isOneResponse(_ bytes: [UInt8]) -> Bool {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let end = text.range(of: "\r\n\r\n"),
              let line = text[..<end.lowerBound].split(separator: "\r\n").first(where: { $0.lowercased().hasPrefix("content-length:") }),
              let length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces))
        else { return false }
        return bytes.count >= text[..<end.upperBound].utf8.count + length
    }

    /// Three requests in one write: a slow one (the database), a cached pass, a slow one. The
    /// answers must come back in that order, though the pass could be answered at once.
    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        try await TestServer.run(.sqlite) { s, client in
            let (uri, token, port) = try await Self.cachedPass(s, client)
            let text = try await Self.exchange(port: port, """
                GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n\
                HEAD \(uri) HTTP/1.1\r\nHost: x\r\nAuthorization: ApplePass \(token)\r\n\r\n\
                GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n
                """)
            let starts = text.components(separatedBy: "HTTP/1.1 ").dropFirst()
            #expect(starts.count == 3, "\(text)")
            let kinds = starts.map { $0.contains("application/vnd.apple.pkpass") ? "pass" : "health" }
            #expect(kinds == ["health", "pass", "health"], "\(text)")
            #expect(Self.fastAnswers(s) == 0, "the pass waited behind the first request, so the route answered it")
        }
    }

    /// HTTP/1.0 and `Connection: close` have connection handling to do: the route answers them.
    @Test func leavesConnectionHandlingToTheRoute() async throws {
        try await TestServer.run(.sqlite) { s, client in
            let (uri, token, port) = try await Self.cachedPass(s, client)
            for request in [
                "GET \(uri) HTTP/1.0\r\nAuthorization: ApplePass \(token)\r\n\r\n",
                "GET \(uri) HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: ApplePass \(token)\r\n\r\n",
            ] {
                // One whole response (whether the server then closes is not the point here).
                let text = try await Self.exchange(port: port, request, isWhole: Self.isOneResponse)
                #expect(text.hasPrefix("HTTP/1.1 200 OK") && text.contains("application/vnd.apple.pkpass"), "\(text.prefix(300))")
            }
            #expect(Self.fastAnswers(s) == 0)
        }
    }
}
