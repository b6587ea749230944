import APNsMock
import NIOConcurrencyHelpers
import NIOCore
import NIOHPACK
import NIOHTTP2
import NIOPosix
import NIOSSL
import Testing

/// A minimal HTTP/2 client on raw frames, for what curl cannot show: SETTINGS changes, GOAWAY, RST_STREAM.
/// It records every frame the mock sends and whether the connection closed.
final class RawHTTP2Client: Sendable {
    enum Event: Sendable {
        case frame(HTTP2Frame)
        case closed
    }

    let channel: any Channel
    private let recorded: NIOLockedValueBox<[Event]>

    private init(channel: any Channel, recorded: NIOLockedValueBox<[Event]>) {
        self.channel = channel
        self.recorded = recorded
    }

    /// Connects over TLS with ALPN h2, presenting the fixture's client certificate chain when `clientCertificate`.
    static func connect(to mock: MockAPNs, fixture: MockFixture, clientCertificate: Bool = true) async throws -> RawHTTP2Client {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(fixture.identity.trustRootPEM.utf8)))
        tls.applicationProtocols = ["h2"]
        if clientCertificate {
            let chain = try NIOSSLCertificate.fromPEMBytes(Array((fixture.pki.certificatePEM + "\n" + fixture.pki.intermediatePEM).utf8))
            tls.certificateChain = chain.map { .certificate($0) }
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(fixture.pki.keyPEM.utf8), format: .pem))
        }
        let sslContext = try NIOSSLContext(configuration: tls)
        let recorded = NIOLockedValueBox<[Event]>([])
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([
                        try NIOSSLClientHandler(context: sslContext, serverHostname: nil),
                        NIOHTTP2Handler(mode: .client),
                        Recorder(recorded: recorded),
                    ])
                }
            }
            .connect(host: "127.0.0.1", port: mock.port).get()
        return RawHTTP2Client(channel: channel, recorded: recorded)
    }

    /// Sends one push on `streamID` (odd, increasing): HEADERS, then `{}` with END_STREAM.
    func push(streamID: Int, token: String, headers: [(String, String)]) {
        var block = HPACKHeaders([(":method", "POST"), (":scheme", "https"), (":authority", "127.0.0.1"), (":path", "/3/device/" + token)])
        for (name, value) in headers { block.add(name: name, value: value) }
        let id = HTTP2StreamID(streamID)
        channel.write(HTTP2Frame(streamID: id, payload: .headers(.init(headers: block))), promise: nil)
        let body = channel.allocator.buffer(string: "{}")
        channel.writeAndFlush(HTTP2Frame(streamID: id, payload: .data(.init(data: .byteBuffer(body), endStream: true))), promise: nil)
    }

    var events: [Event] { recorded.withLockedValue { $0 } }

    var frames: [HTTP2Frame] {
        events.compactMap { if case .frame(let frame) = $0 { frame } else { nil } }
    }

    var isClosed: Bool { events.contains { if case .closed = $0 { true } else { false } } }

    /// The `:status` answered on a stream, if any.
    func status(of streamID: Int) -> Int? {
        for frame in frames where frame.streamID == HTTP2StreamID(streamID) {
            if case .headers(let headers) = frame.payload, let status = headers.headers.first(name: ":status") { return Int(status) }
        }
        return nil
    }

    /// The error code of a RST_STREAM received on a stream, if any.
    func reset(of streamID: Int) -> HTTP2ErrorCode? {
        for frame in frames where frame.streamID == HTTP2StreamID(streamID) {
            if case .rstStream(let code) = frame.payload { return code }
        }
        return nil
    }

    /// Every MAX_CONCURRENT_STREAMS the server advertised, in order (the preface's first).
    var advertisedStreamLimits: [Int] {
        frames.compactMap { frame -> Int? in
            guard case .settings(.settings(let settings)) = frame.payload else { return nil }
            return settings.last { $0.parameter == .maxConcurrentStreams }?.value
        }
    }

    /// The GOAWAY received, if any.
    var goAway: (lastStreamID: HTTP2StreamID, code: HTTP2ErrorCode, debug: String)? {
        for frame in frames {
            if case .goAway(let last, let code, let data) = frame.payload {
                return (last, code, data.map { String(buffer: $0) } ?? "")
            }
        }
        return nil
    }

    /// Waits (polling) until `condition` holds; fails with what was received after `timeout`, a safety net only.
    func waitUntil(_ what: String, timeout: Duration = .seconds(10), _ condition: (RawHTTP2Client) -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while !condition(self) {
            if ContinuousClock.now >= deadline {
                Issue.record("timed out waiting for \(what); received \(frames.map { "\($0.streamID) \($0.payload)" })")
                throw MockAPNsError("timed out waiting for \(what)")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    func close() async {
        try? await channel.close()
    }

    private final class Recorder: ChannelInboundHandler, Sendable {
        typealias InboundIn = HTTP2Frame
        let recorded: NIOLockedValueBox<[Event]>
        init(recorded: NIOLockedValueBox<[Event]>) { self.recorded = recorded }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let frame = unwrapInboundIn(data)
            recorded.withLockedValue { $0.append(.frame(frame)) }
        }

        func channelInactive(context: ChannelHandlerContext) {
            recorded.withLockedValue { $0.append(.closed) }
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }
}
