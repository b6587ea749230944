import Bitrix24
import Core
import Foundation
import Logging
import PassBuilder
import Push
import ServiceLifecycle
import Storage

/// Sends the outbox to the portal: paced to the portal's limit, retried with back-off when the
/// portal is busy or down (nothing is lost while it is: the rows wait), tokens refreshed by the
/// client. Wakes when something is queued, and polls for retries falling due.
struct Bitrix24Worker: Service {
    let service: Bitrix24Service
    let http: any OutboundHTTPClient
    let logger: Logger
    var pollInterval: Duration = .seconds(2)
    var lease = Lease(seconds: 120)
    var backoff = Backoff(base: .seconds(2), cap: .seconds(600), jitter: .proportional(0.2))
    var batch = 50

    var store: Bitrix24Store { service.store }

    func run() async throws {
        // On shutdown the call in flight is cut; its row's lease brings it back after a restart.
        try await cancelWhenGracefulShutdown { try await drain() }
    }

    private func drain() async throws {
        var bucket = TokenBucket(rate: service.settings.rate, burst: service.settings.burst)
        while !Task.isCancelled {
            let items: [PortalQueueItem]
            do {
                items = try await store.claim(.outbox, now: Date(), lease: lease, limit: batch)
            } catch {
                logger.error("Bitrix24 outbox claim failed; retrying", metadata: ["error": "\(error)"])
                _ = await service.queued.wait(timeout: pollInterval)
                continue
            }
            if items.isEmpty {
                _ = await service.queued.wait(timeout: pollInterval)
                continue
            }
            guard let portal = try? await store.portal() else {
                for item in items { try? await store.complete(.outbox, id: item.id, .failed(error: "the application is not installed")) }
                continue
            }
            let app = service.settings.app ?? OAuthApp(clientID: "", clientSecret: "", serverURL: service.settings.oauthURL)
            let client = Bitrix24Client(http: http, access: .app(app, StoredPortalTokens(store: store, sealer: service.sealer, memberID: portal.memberID)))
            for item in items {
                let wait = bucket.take(now: .now)
                if wait > .zero { try? await Task.sleep(for: wait) }
                try? await store.complete(.outbox, id: item.id, await send(item, client))
            }
        }
    }

    /// One call, and what becomes of its row.
    func send(_ item: PortalQueueItem, _ client: Bitrix24Client) async -> PortalQueueOutcome {
        guard let params = (try? JSONValue(parsing: Array(item.payload.utf8)))?.objectValue else {
            return .failed(error: "the queued parameters are not a JSON object")
        }
        do {
            _ = try await client.call(item.kind, params)
            return .done
        } catch {
            let retryAt = Date().addingTimeInterval(Double(backoff.delay(retry: item.attempts - 1, unit: .random(in: 0...1)).wholeNanoseconds) / 1e9)
            switch error.disposition {
            case .retry, .refreshToken:
                logger.notice("Bitrix24 call deferred", metadata: ["method": "\(item.kind)", "error": "\(error)", "attempt": "\(item.attempts)"])
                return .retry(at: retryAt, error: error.description)
            case .disconnected:
                // Kept for when the portal takes the app back (a renewed licence, a re-install).
                logger.warning("Bitrix24 refuses the application's tokens; calls wait", metadata: ["method": "\(item.kind)", "error": "\(error)"])
                return .retry(at: Date().addingTimeInterval(Double(backoff.cap.wholeNanoseconds) / 1e9), error: error.description)
            case .fail:
                if case .portal(_, let refusal) = error, Bitrix24Registration.alreadyDone(refusal) { return .done }
                logger.error("Bitrix24 refused a call", metadata: ["method": "\(item.kind)", "error": "\(error)"])
                return .failed(error: error.description)
            }
        }
    }
}
