import Logging
import NIOCore
import NIOHTTP2
import NIOSSL
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The last handler of one APNs connection, after TLS and HTTP/2: translates HTTP/2 frames into
/// ``APNsPool`` events and writes what the pool puts in the connection's outbox.
///
/// It works on frames, not on stream child channels: the pool's state machine picks each stream ID
/// (1, 3, 5…, in the order streams are reserved) and this handler writes HEADERS with exactly that
/// ID, so GOAWAY's last-stream-ID and RST_STREAM map straight back to requests, and a request costs
/// no channel. Writes are flushed once per outbox drain: after each read burst, or once per wake-up.
final class APNsConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame
    typealias OutboundOut = HTTP2Frame

    /// The connection-level receive window we keep open; APNs sends little (error bodies).
    static let connectionWindow = 1 << 20
    /// Error bodies are tiny; anything longer is cut (it can't be an APNs error body anyway).
    static let maximumBody = 4096

    private let pool: APNsPool
    private let id: ConnectionID
    /// Below HTTP/2: lets us flush HTTP/2 per request (in order) but TLS once per batch.
    private let batcher: FlushBatcher
    private var context: ChannelHandlerContext?
    private var headers: APNsRequestHeaders
    private var body: ByteBuffer
    /// Swapped with the pool's outbox on each drain, so the two arrays' capacity is reused.
    private var outbox: [OutboxItem] = []
    /// What this read burst brought, for the pool at the end of the burst.
    private var events: [ConnectionEvent] = []
    /// Responses whose HEADERS said more is coming (a JSON body): status and body so far.
    private var partial: [Int32: (status: Int, body: ByteBuffer?)] = [:]
    private var peerMaxConcurrentStreams: Int?
    private var sawSettings = false
    private var pingCounter: UInt64 = 0

    init(pool: APNsPool, id: ConnectionID, batcher: FlushBatcher) {
        self.pool = pool
        self.id = id
        self.batcher = batcher
        let shared = pool.shared
        self.headers = APNsRequestHeaders(authority: shared.endpoint.authority, topic: shared.topic, expiration: shared.expiration)
        self.body = ByteBuffer(string: "{}")
        outbox.reserveCapacity(256)
        events.reserveCapacity(256)
    }

    private var logger: Logger { pool.shared.logger }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.payload {
        case .headers(let payload):
            receivedHeaders(stream: Int32(frame.streamID), payload)
        case .data(let payload):
            receivedData(stream: Int32(frame.streamID), payload)
        case .rstStream(let code):
            let stream = Int32(frame.streamID)
            partial[stream] = nil
            events.append(.reset(StreamID(stream), refused: code == .refusedStream))
        case .settings(.settings(let settings)):
            var limit = peerMaxConcurrentStreams
            for setting in settings where setting.parameter == .maxConcurrentStreams { limit = setting.value }
            if !sawSettings {
                sawSettings = true
                peerMaxConcurrentStreams = limit
                events.append(.connected(maxConcurrentStreams: limit))
            } else if limit != peerMaxConcurrentStreams {
                peerMaxConcurrentStreams = limit
                events.append(.settingsChanged(maxConcurrentStreams: limit))
            }
        case .goAway(let lastStreamID, let errorCode, let opaqueData):
            // APNs explains itself in JSON (e.g. {"reason":"Shutdown"}); no secrets in it.
            let reason = opaqueData.map { String(buffer: $0) } ?? ""
            logger.info("APNs sent GOAWAY", metadata: [
                "connection": "\(id)", "lastStreamID": "\(lastStreamID)", "errorCode": "\(errorCode)", "debug": "\(reason.prefix(200))",
            ])
            events.append(.goAway(lastStreamID: StreamID(Int32(lastStreamID)), errorCode: UInt32(errorCode.networkCode)))
        case .ping(_, ack: true):
            events.append(.pingAcknowledged)
        case .settings(.ack), .ping, .priority, .windowUpdate, .pushPromise, .alternativeService, .origin:
            break
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        // The burst's events and the outbox it refilled, under one lock; then one flush.
        pool.process(&events, from: id, outbox: &outbox)
        writeOutbox(context: context)
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !events.isEmpty { pool.process(&events, from: id, outbox: &outbox) }
        outbox.removeAll(keepingCapacity: true)
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // Keep the connection's receive window open: nothing else does without a stream multiplexer.
        if let update = event as? NIOHTTP2WindowUpdatedEvent, update.streamID == .rootStream,
           let window = update.inboundWindowSize, window < Self.connectionWindow / 2 {
            let frame = HTTP2Frame(streamID: .rootStream, payload: .windowUpdate(windowSizeIncrement: Self.connectionWindow - window))
            context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is NIOHTTP2Errors.StreamError {
            // One stream went wrong (e.g. a late frame after our reset); the deadline covers it.
            logger.debug("HTTP/2 stream error", metadata: ["connection": "\(id)", "error": "\(error)"])
            return
        }
        // APNs closing a connection without TLS close_notify is routine (idle, maintenance).
        let routine = (error as? NIOSSLError).map { if case .uncleanShutdown = $0 { true } else { false } } ?? false
        logger.log(level: routine ? .debug : .warning, "APNs connection failed: \(error)", metadata: ["connection": "\(id)"])
        context.close(promise: nil)
    }

    private func receivedHeaders(stream: Int32, _ payload: HTTP2Frame.FramePayload.Headers) {
        if let pending = partial[stream] {
            // Trailers end the response.
            if payload.endStream { finish(stream: stream, status: pending.status, body: pending.body) }
            return
        }
        guard let text = payload.headers.first(name: ":status"), let status = Int(text) else {
            if payload.endStream { finish(stream: stream, status: 0, body: nil) }
            return
        }
        if status < 200 && !payload.endStream { return }  // 1xx: the real answer follows.
        if payload.endStream {
            finish(stream: stream, status: status, body: nil)
        } else {
            partial[stream] = (status, nil)
        }
    }

    private func receivedData(stream: Int32, _ payload: HTTP2Frame.FramePayload.Data) {
        guard var pending = partial[stream] else { return }
        if case .byteBuffer(var bytes) = payload.data {
            var collected = pending.body ?? ByteBuffer()
            let room = Self.maximumBody - collected.readableBytes
            if room > 0, let slice = bytes.readSlice(length: min(room, bytes.readableBytes)) {
                collected.writeImmutableBuffer(slice)
            }
            pending.body = collected
        }
        if payload.endStream {
            finish(stream: stream, status: pending.status, body: pending.body)
        } else {
            partial[stream] = pending
        }
    }

    private func finish(stream: Int32, status: Int, body: ByteBuffer?) {
        partial[stream] = nil
        let response = body.map { APNsResponse(status: status, body: $0.readableBytesView) } ?? APNsResponse(status: status)
        events.append(.response(StreamID(stream), response))
    }

    // MARK: Outbound

    /// Writes everything in this connection's outbox and flushes once (a wake-up from the pool).
    func drainOutbox() {
        guard let context else { return }
        pool.takeOutbox(id, into: &outbox)
        writeOutbox(context: context)
    }

    private func writeOutbox(context: ChannelHandlerContext) {
        guard !outbox.isEmpty else { return }
        var authorization: String?
        var nowSeconds: Int64 = 0
        batcher.hold()
        defer { batcher.release() }
        for item in outbox {
            switch item {
            case .open(let stream, _, let token):
                if nowSeconds == 0 {
                    nowSeconds = Int64(Date().timeIntervalSince1970)
                    authorization = pool.shared.providerToken?.authorization()
                }
                let streamID = HTTP2StreamID(stream.rawValue)
                let request = headers.headers(for: token, nowSeconds: nowSeconds, authorization: authorization)
                context.write(wrapOutboundOut(HTTP2Frame(streamID: streamID, payload: .headers(request))), promise: nil)
                let data = HTTP2Frame.FramePayload.Data(data: .byteBuffer(body), endStream: true)
                context.write(wrapOutboundOut(HTTP2Frame(streamID: streamID, payload: .data(data))), promise: nil)
                // HTTP/2 only (the batcher holds it): sends this body now, so bodies go out in order.
                context.flush()
            case .reset(let stream):
                partial[stream.rawValue] = nil
                let frame = HTTP2Frame(streamID: HTTP2StreamID(stream.rawValue), payload: .rstStream(.cancel))
                context.write(wrapOutboundOut(frame), promise: nil)
            case .ping:
                pingCounter &+= 1
                let frame = HTTP2Frame(streamID: .rootStream, payload: .ping(HTTP2PingData(withInteger: pingCounter), ack: false))
                context.write(wrapOutboundOut(frame), promise: nil)
            }
        }
        outbox.removeAll(keepingCapacity: true)
        context.flush()
    }
}
