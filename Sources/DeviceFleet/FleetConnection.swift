import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// The web service's answer to one request.
struct FleetResponse {
    var status: Int
    var headers: HTTPHeaders
    var body: ByteBuffer
    /// Whether the server keeps the connection open after this answer.
    var keepAlive: Bool
}

/// Why a request got no answer; the connection is unusable after any of these.
enum FleetRequestError: Error {
    case timedOut
    case closed(String)
}

/// Where the fleet's devices find the web service: `http://host[:port][/prefix]`.
public struct FleetServer: Sendable, Hashable {
    public var host: String
    public var port: Int
    /// The path before `/v1/…` (empty, or starting with `/`).
    public var prefix: String

    /// Parses a web service URL; nil for anything but `http://host[:port][/prefix]` (the fleet
    /// speaks plain HTTP/1.1: put it beside the server, not behind TLS).
    public init?(url: String) {
        guard url.hasPrefix("http://") else { return nil }
        let rest = url.dropFirst("http://".count)
        let authority = rest.prefix { $0 != "/" }
        var path = String(rest.dropFirst(authority.count))
        while path.hasSuffix("/") { path.removeLast() }
        let parts = authority.split(separator: ":", omittingEmptySubsequences: false)
        guard let host = parts.first, !host.isEmpty, parts.count <= 2 else { return nil }
        self.host = String(host)
        if parts.count == 2 {
            guard let port = Int(parts[1]), (1...65_535).contains(port) else { return nil }
            self.port = port
        } else {
            port = 80
        }
        prefix = path
    }

    var hostHeader: String { port == 80 ? host : "\(host):\(port)" }
}

/// One keep-alive HTTP/1.1 connection of a fleet worker, inside `executeThenClose`: requests go
/// one at a time, each with a deadline after which the connection is closed (a phone gives up).
struct FleetExchange {
    var responses: NIOAsyncChannelInboundStream<HTTPClientResponsePart>.AsyncIterator
    let requests: NIOAsyncChannelOutboundWriter<HTTPClientRequestPart>
    let channel: any Channel
    let timeout: TimeAmount

    static func connect(_ server: FleetServer) async throws -> NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart> {
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connect(host: server.host, port: server.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                }
            }
    }

    mutating func send(_ head: HTTPRequestHead) async throws(FleetRequestError) -> FleetResponse {
        let fired = NIOLockedValueBox(false)
        let channel = self.channel
        let deadline = channel.eventLoop.scheduleTask(in: timeout) {
            fired.withLockedValue { $0 = true }
            channel.close(promise: nil)
        }
        defer { deadline.cancel() }
        do {
            try await requests.write(contentsOf: [.head(head), .end(nil)])
            var answer: FleetResponse?
            while let part = try await responses.next() {
                switch part {
                case .head(let h):
                    let length = h.headers.first(name: "content-length").flatMap { Int($0) } ?? 0
                    answer = FleetResponse(
                        status: Int(h.status.code), headers: h.headers, body: channel.allocator.buffer(capacity: length), keepAlive: h.isKeepAlive)
                case .body(var chunk):
                    answer?.body.writeBuffer(&chunk)
                case .end:
                    if let answer { return answer }
                    throw FleetRequestError.closed("an answer without a head")
                }
            }
            throw FleetRequestError.closed("the server closed the connection")
        } catch let error as FleetRequestError {
            throw fired.withLockedValue { $0 } ? .timedOut : error
        } catch {
            throw fired.withLockedValue { $0 } ? .timedOut : .closed("\(error)")
        }
    }
}
