import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

extension GoogleWalletMockServer {
    /// A mock serving on a port until ``stop()``.
    public final class Running: Sendable {
        public let endpoints: GoogleWalletMockEndpoints
        let group: ServiceGroup
        let task: Task<Void, any Error>

        init(endpoints: GoogleWalletMockEndpoints, group: ServiceGroup, task: Task<Void, any Error>) {
            self.endpoints = endpoints
            self.group = group
            self.task = task
        }

        /// Shuts the server down and waits until it has.
        public func stop() async {
            await group.triggerGracefulShutdown()
            _ = await task.result
        }
    }

    /// Starts serving on `host:port` (0: a free port); the mock's token URL becomes an accepted
    /// `aud`, so a service-account key whose `token_uri` is that URL works against it.
    public func start(host: String = "127.0.0.1", port: Int = 0, logger: Logger) async throws -> Running {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = application(host: host, port: port, logger: logger, onServerRunning: { continuation.yield($0) })
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        let task = Task {
            defer { continuation.finish() }
            try await group.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let bound = await iterator.next() else {
            _ = await task.result
            throw MockStartError(host: host, port: port)
        }
        let endpoints = GoogleWalletMockEndpoints(base: "http://\(host.contains(":") ? "[\(host)]" : host):\(bound)")
        with { _ = $0.tokenAudiences.insert(endpoints.tokenURL) }
        return Running(endpoints: endpoints, group: group, task: task)
    }

    /// Serves while `body` runs, then stops.
    public func withRunning<T: Sendable>(logger: Logger, _ body: @Sendable (GoogleWalletMockEndpoints) async throws -> T) async throws -> T {
        let running = try await start(logger: logger)
        do {
            let result = try await body(running.endpoints)
            await running.stop()
            return result
        } catch {
            await running.stop()
            throw error
        }
    }
}

/// The mock could not listen (the port is taken, say).
public struct MockStartError: Error, CustomStringConvertible {
    public let host: String
    public let port: Int
    public var description: String { "the Google Wallet mock cannot listen on \(host):\(port)" }
}
