import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Keeps Google Wallet current: the classes first (again until Google has them all), then every
/// due object and message, a batch at a time, leased so that another server (or this one after a
/// crash) picks up what a dead worker held. Memory holds one batch whatever the backlog.
final class GoogleWalletWorker: Service, Sendable {
    struct Options: Sendable {
        var pollInterval: Duration = .seconds(1)
        var batch = 32
        var leaseSeconds: Int64 = 60
        /// How often to try the classes again while Google is unreachable.
        var classRetry: Duration = .seconds(30)
    }

    let google: GoogleWalletService
    let options: Options
    let stopping = Atomic<Bool>(false)

    init(google: GoogleWalletService, options: Options = Options()) {
        self.google = google
        self.options = options
    }

    func run() async throws {
        google.reportUnmapped()
        await withGracefulShutdownHandler {
            var classesDone = false
            var nextClassTry = ContinuousClock.now
            while !self.stopping.load(ordering: .relaxed) && !Task.isCancelled {
                if !classesDone && ContinuousClock.now >= nextClassTry {
                    classesDone = await self.google.syncClasses()
                    nextClassTry = .now + self.options.classRetry
                }
                await self.runOnce()
                _ = await self.google.wakeup.wait(timeout: self.options.pollInterval)
            }
        } onGracefulShutdown: {
            self.stopping.store(true, ordering: .relaxed)
            self.google.wakeup.signal()
        }
    }

    /// Sends every due object, then every due message, until none is due. Errors end the round.
    func runOnce(now: @escaping @Sendable () -> Date = Date.init) async {
        do {
            while !stopping.load(ordering: .relaxed) {
                let objects = try await google.store.claimDueObjects(limit: options.batch, leaseSeconds: options.leaseSeconds, now: now())
                if objects.isEmpty { break }
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for object in objects { group.addTask { try await self.google.send(object, now: now()) } }
                    try await group.waitForAll()
                }
            }
            while !stopping.load(ordering: .relaxed) {
                let messages = try await google.store.claimDueMessages(limit: options.batch, leaseSeconds: options.leaseSeconds, now: now())
                if messages.isEmpty { break }
                for message in messages { try await google.send(message, now: now()) }
            }
        } catch {
            google.logger.error("Google Wallet outbox: \(error)")
        }
    }
}
