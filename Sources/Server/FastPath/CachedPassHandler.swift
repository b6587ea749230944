import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Answers device fetches of an unchanged, already signed pass on the event loop, before
/// Hummingbird's router: no task hop, no router, no middleware — half the cost of a request
/// here (see docs/benchmarks.md). Anything else, and any request it is not sure of (a cache
/// miss, a wrong token, odd paths), goes on to the application unchanged, which answers it
/// exactly as before; so the fast path decides nothing the web service would decide otherwise.
final class CachedPassHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let fastPath: CachedPassFastPath
    private var state = FastPathState()
    private var date = DateHeader()

    init(fastPath: CachedPassFastPath) {
        self.fastPath = fastPath
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        switch part {
        case .head(let request):
            if state.mayAnswer, let answer = fastPath.answer(request, date: date.now()) {
                state.answered()
                context.write(wrapOutboundOut(.head(answer.head)), promise: nil)
                if let body = answer.body { context.write(wrapOutboundOut(.body(body)), promise: nil) }
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            } else {
                _ = state.forwarded()
                context.fireChannelRead(data)
            }
        case .body:
            if state.requestPart(isEnd: false) == .forward { context.fireChannelRead(data) }
        case .end:
            if state.requestPart(isEnd: true) == .forward { context.fireChannelRead(data) }
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { state.responseEnded() }
        context.write(data, promise: promise)
    }
}
