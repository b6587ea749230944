import NIOCore
import NIOHTTP1

/// Closes HTTP/1 connections that are idle too long or send a request too slowly (see
/// ``ConnectionTimeoutState``); a request too slow is answered 408 first when it can be.
///
/// It sits right behind the request decoder, in front of the cached-pass fast path
/// (``CachedPassHandler``), so it sees every request and every response, the fast path's too.
/// Hummingbird's own `idleTimeout` is not used: its handler sits behind the fast path, never sees
/// the requests the fast path answers, and would close a busy keep-alive connection that only
/// fetches cached passes.
///
/// One timer at most per connection, set for the earliest deadline and moved only when the
/// deadline comes earlier; a timer that fires early sets itself again. So a request that arrives
/// whole in one read costs no timer work.
final class ConnectionTimeoutHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private var state: ConnectionTimeoutState
    private var timer: Scheduled<Void>?
    private var timerAt: NIODeadline?

    init(idleTimeout: TimeAmount, readTimeout: TimeAmount) {
        state = ConnectionTimeoutState(idleTimeout: idleTimeout, readTimeout: readTimeout, now: .now())
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context)
        context.fireChannelActive()
    }

    private func start(_ context: ChannelHandlerContext) {
        state = ConnectionTimeoutState(idleTimeout: state.idleTimeout, readTimeout: state.readTimeout, now: .now())
        schedule(context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimer()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimer()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // Timed out: the connection is closing; what else arrives goes nowhere.
        guard !state.expired else { return }
        switch unwrapInboundIn(data) {
        case .head: state.head(now: .now())
        case .body: state.bodyPart()
        case .end: state.end(now: .now())
        }
        context.fireChannelRead(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        state.readComplete(now: .now())
        schedule(context)
        context.fireChannelReadComplete()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // After a 408 nothing else may follow it on the wire.
        guard !state.expired else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        switch unwrapOutboundIn(data) {
        case .head: state.responseHead()
        case .body: break
        case .end:
            state.responseEnd(now: .now())
            schedule(context)
        }
        context.write(data, promise: promise)
    }

    /// Sets the timer for the state's deadline unless one fires no later.
    private func schedule(_ context: ChannelHandlerContext) {
        guard let deadline = state.deadline else { return }
        if let at = timerAt, at <= deadline { return }
        timer?.cancel()
        timerAt = deadline
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            timer = nil
            timerAt = nil
            fired(context)
        }
    }

    private func cancelTimer() {
        timer?.cancel()
        timer = nil
        timerAt = nil
    }

    private func fired(_ context: ChannelHandlerContext) {
        switch state.timerFired(now: .now()) {
        case .nothing:
            break
        case .wait:
            schedule(context)
        case .close:
            context.close(promise: nil)
        case .requestTimeout:
            let seconds = state.readTimeout.nanoseconds / 1_000_000_000
            let body = ByteBuffer(bytes: APIError(.requestTimeout, "the request did not arrive whole within \(seconds) s").json.serialized())
            let head = HTTPResponseHead(
                version: .http1_1, status: .requestTimeout,
                headers: ["Content-Type": "application/problem+json", "Content-Length": String(body.readableBytes), "Connection": "close"])
            // Past this handler: its own write refuses everything once expired.
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }

    /// Puts a ``ConnectionTimeoutHandler`` right behind the HTTP/1 request decoder, then
    /// leaves (Hummingbird adds its extra channel handlers further back, after its codec).
    final class Installer: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = NIOAny // never sees an event: gone once added
        private let idleTimeout: TimeAmount
        private let readTimeout: TimeAmount

        init(idleTimeout: TimeAmount, readTimeout: TimeAmount) {
            self.idleTimeout = idleTimeout
            self.readTimeout = readTimeout
        }

        func handlerAdded(context: ChannelHandlerContext) {
            let pipeline = context.pipeline.syncOperations
            if let decoder = try? pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self) {
                try? pipeline.addHandler(
                    ConnectionTimeoutHandler(idleTimeout: idleTimeout, readTimeout: readTimeout), position: .after(decoder))
            }
            pipeline.removeHandler(context: context, promise: nil)
        }
    }
}
