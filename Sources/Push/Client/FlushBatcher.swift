import NIOCore

/// Sits between TLS and HTTP/2 and turns many flushes into one while ``holding``.
///
/// swift-nio-http2 queues DATA frames until a flush and then emits them in hash order (its
/// flushable streams are a `Set`). Flushed all at once, a batch of pushes would reach APNs with
/// their bodies shuffled, be answered out of order, and each out-of-order answer costs
/// swift-nio-http2 a shift of its sorted stream list. So the connection handler flushes HTTP/2
/// after every request (keeping the order) while this handler holds those flushes back from TLS,
/// which still encrypts and writes the whole batch at once.
final class FlushBatcher: ChannelOutboundHandler {
    typealias OutboundIn = NIOAny
    typealias OutboundOut = NIOAny

    private var context: ChannelHandlerContext?
    private var holding = false
    private var flushPending = false

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        context.write(data, promise: promise)
    }

    func flush(context: ChannelHandlerContext) {
        if holding {
            flushPending = true
        } else {
            context.flush()
        }
    }

    /// Holds flushes back until ``release()``.
    func hold() {
        holding = true
    }

    /// Stops holding and passes on one flush if any was held.
    func release() {
        holding = false
        if flushPending {
            flushPending = false
            context?.flush()
        }
    }
}
