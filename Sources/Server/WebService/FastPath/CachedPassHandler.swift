import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1

/// Answers device fetches of an unchanged, already signed pass on the event loop, before
/// Hummingbird's router: no task hop, no router, no middleware — half the cost of a request
/// here (see docs/benchmarks.md). Anything else, and any request it is not sure of (a cache
/// miss, a wrong token, odd paths), goes on to the application unchanged, which answers it
/// exactly as before; so the fast path decides nothing the web service would decide otherwise.
///
/// It sits in front of the codec from NIO's HTTP/1 parts to the HTTP types Hummingbird uses, so
/// an answered request is never converted (that conversion parses the path with
/// `URLComponents` and copies every header).
final class CachedPassHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

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
                if let body = answer.body { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
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

    /// Puts a ``CachedPassHandler`` in front of the HTTP/1 codec, then leaves: Hummingbird adds
    /// its extra channel handlers after that codec. Where there is no such codec, no fast path.
    final class Installer: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = NIOAny // never sees an event: gone once added
        private let fastPath: CachedPassFastPath

        init(fastPath: CachedPassFastPath) {
            self.fastPath = fastPath
        }

        func handlerAdded(context: ChannelHandlerContext) {
            let pipeline = context.pipeline.syncOperations
            if let codec = try? pipeline.handler(type: HTTP1ToHTTPServerCodec.self) {
                try? pipeline.addHandler(CachedPassHandler(fastPath: fastPath), position: .before(codec))
            }
            pipeline.removeHandler(context: context, promise: nil)
        }
    }
}
