import Foundation
import Logging
import NIOCore
import NIOHPACK
import NIOHTTP2
import NIOSSL
import NIOTLS
import X509

/// One mock APNs connection, on raw HTTP/2 frames (no per-stream child channels: the cheapest way through
/// swift-nio-http2, and it gives direct control of SETTINGS, GOAWAY and RST_STREAM).
///
/// Sits after `NIOSSLServerHandler` and `NIOHTTP2Handler`. Answers are written as requests complete and flushed once per
/// read batch; with latency they are scheduled on the event loop.
final class MockConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame
    typealias OutboundOut = HTTP2Frame

    /// What happens to a complete request.
    private enum Action {
        case answer(MockAnswer)
        case goAway
        case stall
        case cut
        case reset
    }

    private enum Phase: Equatable {
        /// HEADERS seen, body still arriving.
        case receiving
        /// Complete; its action is scheduled (latency).
        case waiting
        /// Never to be answered.
        case stalled
        /// Answered before the body ended (413); kept until the stream closes.
        case answeredEarly
    }

    private struct Stream {
        var head: Result<RequestHead, MockRejection>
        var body: ByteBuffer?
        var bodyLength = 0
        /// The stream received before this one: GOAWAY's last stream ID if this one takes ``MockFault/goAway``.
        var previous: HTTP2StreamID
        var phase = Phase.receiving

        var token: String? { (try? head.get())?.token }
        var apnsID: String? { (try? head.get())?.apnsID }
    }

    private let state: MockState
    private let sslHandler: NIOSSLServerHandler
    private let certificateMode: Bool
    private let maxConcurrentStreams: Int
    private let logger: Logger
    private var authentication: RequestHead.Authentication
    private var tokenCheck: ProviderTokenCheck
    private var streams: [HTTP2StreamID: Stream] = [:]
    private var lastStreamID = HTTP2StreamID.rootStream
    /// The limit APNs-style throttling wants (1 after a rejection) and the one last advertised.
    private var wantsDroppedLimit: Bool
    private var advertisedDroppedLimit: Bool
    /// Set once a GOAWAY went out: the connection closes when the streams up to it are answered.
    private var goingAway: HTTP2StreamID?
    private var unacknowledgedInboundBytes = 0
    private var needsFlush = false
    private var closing = false
    private var ids: MockRandom

    /// The connection-level receive window is opened to the maximum at once and topped up per this many bytes.
    private static let windowTopUp = 1 << 20
    static let maximumWindow = Int(Int32.max)

    init(state: MockState, sslHandler: NIOSSLServerHandler, certificateMode: Bool, maxConcurrentStreams: Int,
         tokenCheck: ProviderTokenCheck, logger: Logger) {
        self.state = state
        self.sslHandler = sslHandler
        self.certificateMode = certificateMode
        self.maxConcurrentStreams = maxConcurrentStreams
        self.tokenCheck = tokenCheck
        self.logger = logger
        // Token mode starts at one stream, as Apple documents, until a request with a valid token is accepted.
        self.authentication = certificateMode ? .certificate(topic: nil) : .token
        self.wantsDroppedLimit = !certificateMode
        self.advertisedDroppedLimit = !certificateMode
        self.ids = MockRandom(seed: UInt64.random(in: .min ... .max))
    }

    /// The settings sent in the connection preface.
    static func initialSettings(certificateMode: Bool, maxConcurrentStreams: Int) -> HTTP2Settings {
        [
            HTTP2Setting(parameter: .maxConcurrentStreams, value: certificateMode ? maxConcurrentStreams : 1),
            HTTP2Setting(parameter: .initialWindowSize, value: 65_535),
            HTTP2Setting(parameter: .maxFrameSize, value: 16_384),
            HTTP2Setting(parameter: .maxHeaderListSize, value: 8_000),
        ]
    }

    // MARK: Events

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // One StreamClosedEvent per request: test for it first.
        if let event = event as? StreamClosedEvent {
            streams.removeValue(forKey: event.streamID)
            closeIfDrained(context: context)
        } else if let event = event as? TLSUserEvent, case .handshakeCompleted(let negotiated) = event {
            handshakeCompleted(context: context, negotiatedProtocol: negotiated)
        }
        context.fireUserInboundEventTriggered(event)
    }

    private func handshakeCompleted(context: ChannelHandlerContext, negotiatedProtocol: String?) {
        state.count(\.connections)
        guard negotiatedProtocol == "h2" else {
            state.note("TLS client did not negotiate ALPN h2 (\(negotiatedProtocol.map { "got '\($0)'" } ?? "no ALPN")); connection closed")
            closing = true
            context.close(promise: nil)
            return
        }
        if certificateMode {
            let topic = sslHandler.peerCertificate.flatMap { Self.passTypeID(of: $0) }
            authentication = .certificate(topic: topic)
        }
        // Open the connection window wide so inbound DATA never waits on our WINDOW_UPDATEs.
        context.write(wrapOutboundOut(HTTP2Frame(
            streamID: .rootStream, payload: .windowUpdate(windowSizeIncrement: Self.maximumWindow - 65_535))), promise: nil)
        context.flush()
    }

    /// The subject UID (OID 0.9.2342.19200300.100.1.1) of a client certificate: a Pass Type ID certificate's topic.
    static func passTypeID(of certificate: NIOSSLCertificate) -> String? {
        guard let der = try? certificate.toDERBytes(), let parsed = try? Certificate(derEncoded: der) else { return nil }
        for rdn in parsed.subject {
            for attribute in rdn where attribute.type == [0, 9, 2342, 19_200_300, 100, 1, 1] {
                return String(describing: attribute.value)
            }
        }
        return nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.payload {
        case .headers(let headers):
            if streams[frame.streamID] != nil {
                // Trailers: only their END_STREAM matters.
                if headers.endStream { requestComplete(frame.streamID, context: context) }
                return
            }
            let head = RequestHead.check(
                headers.headers, authentication: authentication, tokenCheck: &tokenCheck, nowSeconds: Self.nowSeconds())
            streams[frame.streamID] = Stream(head: head, previous: lastStreamID)
            lastStreamID = frame.streamID
            if headers.endStream { requestComplete(frame.streamID, context: context) }
        case .data(let payload):
            unacknowledgedInboundBytes += payload.data.readableBytes + (payload.paddingBytes.map { $0 + 1 } ?? 0)
            guard var stream = streams[frame.streamID], stream.phase == .receiving else { return }
            if case .byteBuffer(var buffer) = payload.data {
                stream.bodyLength += buffer.readableBytes
                if stream.bodyLength <= RequestBodyCheck.maximumBytes {
                    if stream.body == nil { stream.body = buffer } else { stream.body!.writeBuffer(&buffer) }
                }
            }
            streams[frame.streamID] = stream
            if payload.endStream {
                requestComplete(frame.streamID, context: context)
            } else if stream.bodyLength > RequestBodyCheck.maximumBytes {
                answerOversizedEarly(frame.streamID, context: context)
            }
        default:
            break
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if unacknowledgedInboundBytes >= Self.windowTopUp {
            context.write(wrapOutboundOut(HTTP2Frame(
                streamID: .rootStream, payload: .windowUpdate(windowSizeIncrement: unacknowledgedInboundBytes))), promise: nil)
            unacknowledgedInboundBytes = 0
            needsFlush = true
        }
        flushIfNeeded(context: context)
        context.fireChannelReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        switch error {
        case let sslError as NIOSSLError:
            // A client leaving without close_notify is not a protocol problem.
            if case .uncleanShutdown = sslError { return }
            state.note("TLS: \(sslError)")
        case let streamError as NIOHTTP2Errors.StreamError:
            // swift-nio-http2 already reset the stream; the connection goes on. A stream the client opened before it
            // saw our GOAWAY is refused as the protocol intends: not the client's fault.
            if !(streamError.baseError is NIOHTTP2Errors.CreatedStreamAfterGoaway) {
                state.note("HTTP/2 stream error: \(streamError)")
            }
            return
        case is NIOHTTP2Errors.IOOnClosedConnection where goingAway != nil, is NIOHTTP2Errors.RaisedGoawayLastStreamID where goingAway != nil:
            // After our GOAWAY both sides may be done before the client's last frames (a PING, a
            // WINDOW_UPDATE) arrive: swift-nio-http2 fails those and cannot send its own GOAWAY
            // over ours. The connection is going away by our choice; not the client's fault.
            break
        case is any NIOHTTP2Error:
            state.note("HTTP/2 connection error: \(error)")
        default:
            // Resets and other I/O trouble of a peer going away: not the request's fault, so not recorded.
            break
        }
        logger.debug("mock APNs connection closed after an error", metadata: ["error": "\(error)"])
        closing = true
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        closing = true
        streams.removeAll()
        context.fireChannelInactive()
    }

    // MARK: Requests

    private func requestComplete(_ streamID: HTTP2StreamID, context: ChannelHandlerContext) {
        guard var stream = streams[streamID], stream.phase == .receiving else { return }
        var rejection: MockRejection?
        switch stream.head {
        case .failure(let headRejection): rejection = headRejection
        case .success: rejection = RequestBodyCheck.check(stream.body, length: stream.bodyLength)
        }
        stream.body = nil
        let decision = state.received(token: rejection == nil ? stream.token : nil, problem: rejection.map { "stream \(Int(streamID)): \($0.problem)" })
        let action: Action
        if let rejection {
            action = .answer(rejection.answer)
        } else if let fault = decision.fault {
            action = fault.answer.map(Action.answer) ?? Self.action(for: fault)
        } else {
            action = .answer(.accepted)
        }
        stream.phase = .waiting
        streams[streamID] = stream
        if decision.latency == .zero {
            perform(action, on: streamID, decision: decision, context: context)
        } else {
            let nanoseconds = decision.latency.components.seconds * 1_000_000_000 + decision.latency.components.attoseconds / 1_000_000_000
            context.eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(nanoseconds)) { [self] in
                perform(action, on: streamID, decision: decision, context: context)
                flushIfNeeded(context: context)
            }
        }
    }

    private static func action(for fault: MockFault) -> Action {
        switch fault {
        case .goAway: .goAway
        case .stall: .stall
        case .cutConnection: .cut
        case .resetStream: .reset
        default: .answer(.accepted)  // unreachable: every other fault has an answer
        }
    }

    /// A body over the limit is refused as soon as it is known, then the stream is reset (RFC 9113 §8.1: a complete
    /// early response, then RST_STREAM NO_ERROR), so the client need not send the rest.
    private func answerOversizedEarly(_ streamID: HTTP2StreamID, context: ChannelHandlerContext) {
        guard var stream = streams[streamID] else { return }
        let rejection = RequestBodyCheck.check(nil, length: stream.bodyLength)!
        _ = state.received(token: nil, problem: "stream \(Int(streamID)): \(rejection.problem)")
        stream.phase = .answeredEarly
        stream.body = nil
        streams[streamID] = stream
        writeAnswer(rejection.answer, streamID: streamID, apnsID: stream.apnsID, context: context)
        state.answered(status: rejection.answer.status, token: nil)
        // Flush first: swift-nio-http2 would drop the answer's DATA still buffered when the stream is reset.
        context.flush()
        context.write(wrapOutboundOut(HTTP2Frame(streamID: streamID, payload: .rstStream(.noError))), promise: nil)
        streams.removeValue(forKey: streamID)
        wantsDroppedLimit = state.behavior.dropStreamLimitAfterRejection || wantsDroppedLimit
    }

    private func perform(_ action: Action, on streamID: HTTP2StreamID, decision: MockState.Decision, context: ChannelHandlerContext) {
        // The stream may have gone meanwhile (client reset, GOAWAY, connection closed).
        guard !closing, let stream = streams[streamID], stream.phase == .waiting else { return }
        switch action {
        case .answer(let answer):
            streams.removeValue(forKey: streamID)
            writeAnswer(answer, streamID: streamID, apnsID: stream.apnsID, context: context)
            state.answered(status: answer.status, token: stream.token)
            if answer.status == 200 {
                wantsDroppedLimit = false
            } else if decision.dropStreamLimitAfterRejection {
                if !wantsDroppedLimit, decision.refuseInFlightStreamsOnDrop { refuseInFlightStreams(context: context) }
                wantsDroppedLimit = true
            }
            closeIfDrained(context: context)
        case .reset:
            refuse(streamID, context: context)
            closeIfDrained(context: context)
        case .stall:
            streams[streamID]?.phase = .stalled
            state.count(\.stalled)
            closeIfDrained(context: context)
        case .goAway:
            sendGoAway(lastStreamID: stream.previous, context: context)
        case .cut:
            cutConnection(context: context)
        }
    }

    private func refuse(_ streamID: HTTP2StreamID, context: ChannelHandlerContext) {
        streams.removeValue(forKey: streamID)
        context.write(wrapOutboundOut(HTTP2Frame(streamID: streamID, payload: .rstStream(.refusedStream))), promise: nil)
        needsFlush = true
        state.count(\.streamsReset)
    }

    /// The streams in flight when the limit drops: everything unanswered but the stalled.
    private func refuseInFlightStreams(context: ChannelHandlerContext) {
        for (id, stream) in streams where stream.phase == .receiving || stream.phase == .waiting {
            refuse(id, context: context)
        }
    }

    private func writeAnswer(_ answer: MockAnswer, streamID: HTTP2StreamID, apnsID: String?, context: ChannelHandlerContext) {
        var headers = HPACKHeaders()
        headers.reserveCapacity(3)
        headers.add(name: ":status", value: Self.statusText(answer.status))
        headers.add(name: "apns-id", value: apnsID ?? ids.uuidString(), indexing: .nonIndexable)
        if let body = answer.body {
            headers.add(name: "content-type", value: "application/json")
            context.write(wrapOutboundOut(HTTP2Frame(streamID: streamID, payload: .headers(.init(headers: headers)))), promise: nil)
            let buffer = context.channel.allocator.buffer(string: body)
            context.write(wrapOutboundOut(HTTP2Frame(streamID: streamID, payload: .data(.init(data: .byteBuffer(buffer), endStream: true)))), promise: nil)
        } else {
            context.write(wrapOutboundOut(HTTP2Frame(streamID: streamID, payload: .headers(.init(headers: headers, endStream: true)))), promise: nil)
        }
        needsFlush = true
    }

    private static func statusText(_ status: Int) -> String {
        switch status {
        case 200: "200"
        case 400: "400"
        case 403: "403"
        case 410: "410"
        default: String(status)
        }
    }

    // MARK: Connection

    private func sendGoAway(lastStreamID: HTTP2StreamID, context: ChannelHandlerContext) {
        let last = min(goingAway ?? lastStreamID, lastStreamID)
        goingAway = last
        state.count(\.goAwaysSent)
        // swift-nio-http2 drops the streams above `last` itself; forget them here too.
        streams = streams.filter { $0.key <= last }
        let reason = context.channel.allocator.buffer(string: #"{"reason":"Shutdown"}"#)
        context.write(wrapOutboundOut(HTTP2Frame(
            streamID: .rootStream, payload: .goAway(lastStreamID: last, errorCode: .noError, opaqueData: reason))), promise: nil)
        needsFlush = true
        closeIfDrained(context: context)
    }

    /// After a GOAWAY, closes once no stream up to its last stream ID awaits an answer (stalled ones don't count).
    private func closeIfDrained(context: ChannelHandlerContext) {
        guard let goingAway, !closing else { return }
        if streams.contains(where: { $0.key <= goingAway && $0.value.phase != .stalled }) { return }
        closing = true
        context.flush()
        context.close(promise: nil)
    }

    /// Closes the TCP connection with a RST: no TLS close_notify, no GOAWAY, like a dropped network path.
    private func cutConnection(context: ChannelHandlerContext) {
        state.count(\.connectionsCut)
        closing = true
        streams.removeAll()
        if let provider = context.channel as? any SocketOptionProvider {
            _ = provider.setSoLinger(linger(l_onoff: 1, l_linger: 0))
        }
        // Closing from the TLS handler's context skips the TLS handler itself, so no close_notify is sent.
        if let tlsContext = try? context.pipeline.syncOperations.context(handlerType: NIOSSLServerHandler.self) {
            tlsContext.close(promise: nil)
        } else {
            context.close(promise: nil)
        }
    }

    private func applyStreamLimit(context: ChannelHandlerContext) {
        guard wantsDroppedLimit != advertisedDroppedLimit else { return }
        advertisedDroppedLimit = wantsDroppedLimit
        let limit = wantsDroppedLimit ? 1 : maxConcurrentStreams
        context.write(wrapOutboundOut(HTTP2Frame(
            streamID: .rootStream, payload: .settings(.settings([HTTP2Setting(parameter: .maxConcurrentStreams, value: limit)])))), promise: nil)
        needsFlush = true
    }

    private func flushIfNeeded(context: ChannelHandlerContext) {
        guard !closing else { return }
        applyStreamLimit(context: context)
        if needsFlush {
            needsFlush = false
            context.flush()
        }
    }

    static func nowSeconds() -> Int64 {
        Int64(Date().timeIntervalSince1970)
    }
}
