import Hummingbird
import NIOCore

/// The request context: Hummingbird's core plus the connection's peer.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The connection's peer (rate limits of the public pages).
    public var remoteAddress: SocketAddress?

    public init(source: Source) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
