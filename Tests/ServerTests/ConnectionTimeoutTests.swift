import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOPosix
import Synchronization
import Testing
import TestSupport

@testable import Server

/// Idle and slow connections are closed (a slow request answered 408 first), while kept-alive
/// and pipelined use goes on. Outcomes only are asserted (closed, answered); waits are generous
/// upper bounds, never a claim that something was fast.
@Suite struct ConnectionTimeoutTests {
    /// Far longer than any timeout configured here: reaching it means the server never acted.
    static let patience: Duration = .seconds(30)

    final class Flag: Sendable {
        private let value = Atomic(false)
        func set() { value.store(true, ordering: .relaxed) }
        var isSet: Bool { value.load(ordering: .relaxed) }
    }

    /// One raw connection: `script` writes and reads with ``read(_:isDone:)``.
    struct Connection {
        let channel: any Channel
        var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
        let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>

        func send(_ text: String) async throws { try await outbound.write(ByteBuffer(string: text)) }

        /// Reads until `isDone` says so, or the server closes (`closed`), or ``patience`` passes
        /// (then the connection is dropped and neither holds).
        mutating func read(isDone: @escaping ([UInt8]) -> Bool = { _ in false }) async throws -> (text: String, closed: Bool) {
            let gaveUp = Flag()
            let channel = self.channel
            let watchdog = Task {
                try await Task.sleep(for: ConnectionTimeoutTests.patience)
                gaveUp.set()
                try? await channel.close()
            }
            defer { watchdog.cancel() }
            var bytes: [UInt8] = []
            do {
                while let chunk = try await inbound.next() {
                    bytes += chunk.readableBytesView
                    if isDone(bytes) { return (String(decoding: bytes, as: UTF8.self), false) }
                }
            } catch {
                // A reset is the server closing too.
            }
            return (String(decoding: bytes, as: UTF8.self), !gaveUp.isSet)
        }
    }

    static func connect<T: Sendable>(port: Int, _ script: (inout Connection) async throws -> T) async throws -> T {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(host: "127.0.0.1", port: port) { channel in
            channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
        }
        return try await channel.executeThenClose { inbound, outbound in
            var connection = Connection(channel: channel.channel, inbound: inbound.makeAsyncIterator(), outbound: outbound)
            return try await script(&connection)
        }
    }

    static func run(idle: Duration, read: Duration, _ body: @Sendable @escaping (TestServer, any TestClientProtocol, Int) async throws -> Void) async throws {
        try await TestServer.run(.sqlite, configure: { $0.httpIdleTimeout = idle; $0.httpReadTimeout = read }) { s, client in
            try await body(s, client, try #require(client.port))
        }
    }

    static let health = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"

    @Test func aSilentConnectionIsClosed() async throws {
        try await Self.run(idle: .seconds(1), read: .seconds(1)) { _, _, port in
            let (text, closed) = try await Self.connect(port: port) { try await $0.read() }
            #expect(closed && text.isEmpty, "\(text)")
        }
    }

    @Test func anIdleKeptAliveConnectionIsClosedAfterItsResponse() async throws {
        try await Self.run(idle: .seconds(1), read: .seconds(5)) { _, _, port in
            let (first, after) = try await Self.connect(port: port) { c in
                try await c.send(Self.health)
                let first = try await c.read(isDone: FastPathTests.isOneResponse)
                return (first, try await c.read())
            }
            #expect(first.text.hasPrefix("HTTP/1.1 200"), "\(first.text)")
            #expect(after.closed && after.text.isEmpty, "\(after.text)")
        }
    }

    @Test func aShortBodyIsAnswered408AndClosed() async throws {
        try await Self.run(idle: .seconds(30), read: .seconds(1)) { _, _, port in
            // Declares 100 bytes, sends 7.
            let (text, closed) = try await Self.connect(port: port) { c in
                try await c.send("POST /v1/log HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"logs\"")
                return try await c.read()
            }
            #expect(text.hasPrefix("HTTP/1.1 408"), "\(text)")
            #expect(text.lowercased().contains("connection: close") && text.contains("did not arrive whole"), "\(text)")
            #expect(closed)
        }
    }

    @Test func slowHeadersAreAnswered408AndClosed() async throws {
        try await Self.run(idle: .seconds(30), read: .seconds(1)) { _, _, port in
            let (text, closed) = try await Self.connect(port: port) { c in
                try await c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n") // the blank line never comes
                return try await c.read()
            }
            #expect(text.hasPrefix("HTTP/1.1 408") && closed, "\(text)")
        }
    }

    /// Requests inside the idle window reuse the connection for longer than the idle timeout in
    /// all: activity keeps it open, the fast path's answers included (which Hummingbird's own idle
    /// timeout, behind the fast path, would not see).
    @Test func keptAliveConnectionsKeepWorking() async throws {
        try await Self.run(idle: .seconds(5), read: .seconds(5)) { s, client, port in
            let (uri, token, _) = try await FastPathTests.cachedPass(s, client)
            let fast = "GET \(uri) HTTP/1.1\r\nHost: x\r\nAuthorization: ApplePass \(token)\r\n\r\n"
            let before = FastPathTests.fastAnswers(s)
            let answers = try await Self.connect(port: port) { c in
                var answers: [String] = []
                let started = ContinuousClock.now
                // Past the idle timeout in all, a pause well inside it between requests; then the route.
                var last = false
                while !last {
                    last = ContinuousClock.now - started > .seconds(6)
                    try await c.send(last ? Self.health : fast)
                    let (text, closed) = try await c.read(isDone: FastPathTests.isOneResponse)
                    answers.append(closed ? "closed" : String(text.prefix(15)))
                    if closed { break }
                    try await Task.sleep(for: .milliseconds(250))
                }
                return answers
            }
            #expect(answers.count >= 4 && answers.allSatisfy { $0 == "HTTP/1.1 200 OK" }, "\(answers)")
            #expect(FastPathTests.fastAnswers(s) - before == answers.count - 1, "the fast path answered all but the last")
        }
    }

    @Test func pipelinedRequestsAreStillAnswered() async throws {
        // Windows wide enough that a loaded machine's stall between connect and send can't close the connection first.
        try await Self.run(idle: .seconds(3), read: .seconds(3)) { s, client, port in
            let (uri, token, _) = try await FastPathTests.cachedPass(s, client)
            let (text, closed) = try await Self.connect(port: port) { c in
                try await c.send(
                    Self.health + "HEAD \(uri) HTTP/1.1\r\nHost: x\r\nAuthorization: ApplePass \(token)\r\n\r\n" + Self.health
                        + "POST /v1/log HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"logs\":[]}")
                return try await c.read()
            }
            #expect(text.components(separatedBy: "HTTP/1.1 200 OK").count - 1 == 4, "\(text)")
            #expect(!text.contains("408"))
            #expect(closed, "then idle, then closed")
        }
    }

    // MARK: the state machine

    static let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000)
    static func at(_ seconds: Int64) -> NIODeadline { t0 + .seconds(seconds) }

    @Test func idleThenAWholeRequestThenIdleAgain() {
        var s = ConnectionTimeoutState(idleTimeout: .seconds(75), readTimeout: .seconds(30), now: Self.t0)
        #expect(s.deadline == Self.at(75))
        // A whole request in one read: no read deadline is left behind.
        s.head(now: Self.at(10))
        s.end(now: Self.at(10))
        s.readComplete(now: Self.at(10))
        #expect(s.deadline == nil, "the server works: no timeout")
        s.responseHead()
        s.responseEnd(now: Self.at(12))
        #expect(s.deadline == Self.at(87), "idle again from the response's end")
        var early = s
        #expect(early.timerFired(now: Self.at(75)) == .wait(until: Self.at(87)))
        #expect(s.timerFired(now: Self.at(87)) == .close)
        #expect(s.deadline == nil && s.expired)
    }

    @Test func aSlowRequestTimesOutFromItsFirstByte() {
        var s = ConnectionTimeoutState(idleTimeout: .seconds(75), readTimeout: .seconds(30), now: Self.t0)
        s.readComplete(now: Self.at(5)) // bytes, no head yet
        #expect(s.deadline == Self.at(35))
        s.head(now: Self.at(20))
        s.bodyPart()
        s.readComplete(now: Self.at(20))
        #expect(s.deadline == Self.at(35), "head and body share the read timeout")
        #expect(s.timerFired(now: Self.at(35)) == .requestTimeout)
    }

    @Test func a408OnlyAsTheNextResponse() {
        // An earlier request's response is still owed: closing is all that is left.
        var owed = ConnectionTimeoutState(idleTimeout: .seconds(75), readTimeout: .seconds(30), now: Self.t0)
        owed.head(now: Self.at(1))
        owed.end(now: Self.at(1))
        owed.readComplete(now: Self.at(1))
        owed.head(now: Self.at(2))
        owed.readComplete(now: Self.at(2))
        #expect(owed.timerFired(now: Self.at(40)) == .close)
        // The application answered this request before its body ended.
        var answered = ConnectionTimeoutState(idleTimeout: .seconds(75), readTimeout: .seconds(30), now: Self.t0)
        answered.head(now: Self.at(1))
        answered.readComplete(now: Self.at(1))
        answered.responseHead()
        answered.responseEnd(now: Self.at(2))
        #expect(answered.deadline == Self.at(31), "still reading its body")
        #expect(answered.timerFired(now: Self.at(31)) == .close)
    }

    @Test func timeoutsAreConfigured() throws {
        let c = try ServerConfiguration.load(environment: ["PASSLINE_HTTP_IDLE_TIMEOUT_S": "90", "PASSLINE_HTTP_READ_TIMEOUT_S": "12"])
        #expect(c.httpIdleTimeout == .seconds(90) && c.httpReadTimeout == .seconds(12))
        #expect(ServerConfiguration().httpIdleTimeout == .seconds(75) && ServerConfiguration().httpReadTimeout == .seconds(30))
        #expect(throws: ServerConfiguration.Invalid.self) { try ServerConfiguration.load(environment: ["PASSLINE_HTTP_READ_TIMEOUT_S": "0"]) }
    }
}
