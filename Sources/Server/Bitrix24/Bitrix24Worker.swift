import Bitrix24
import Core
import Foundation
import Logging
import PassBuilder
import ServiceLifecycle
import Storage

/// Works the Bitrix24 queues: collects the portal's offline events, queues the write-back of every
/// household that changed, acts on what the inbox holds (robot calls, CRM events, webhook
/// actions) and sends the outbox to the portal: paced to the portal's limit, in `batch` calls,
/// retried with back-off when the portal is busy or down (nothing is lost while it is: the rows
/// wait), tokens refreshed by the client. Wakes when something is queued, and polls for retries
/// falling due.
struct Bitrix24Worker: Service {
    let service: Bitrix24Service
    let actions: Bitrix24Actions
    let http: any OutboundHTTPClient
    let logger: Logger
    var pollInterval: Duration = .seconds(2)
    /// Without an installed portal (or a webhook) there is nothing to do: look rarely (an install
    /// on this server wakes the worker at once; one on another server is seen within this).
    var idleInterval: Duration = .seconds(30)
    var lease = Lease(seconds: 120)
    var backoff = Backoff(base: .seconds(2), cap: .seconds(600), jitter: .proportional(0.2))
    var batch = 50
    /// Households' pass tags read per round.
    var mirrorBatch = 500

    var store: Bitrix24Store { service.store }
    var settings: Bitrix24Settings { service.settings }

    func run() async throws {
        // On shutdown the call in flight is cut; its row's lease brings it back after a restart.
        try await cancelWhenGracefulShutdown { try await drain() }
    }

    private func drain() async throws {
        // Three quarters of the portal's limit, half its burst: the rest is left for people (the
        // card tab) and for other apps of the portal.
        var state = State(bucket: TokenBucket(rate: settings.rate * 0.75, burst: max(1, settings.burst / 2)))
        while !Task.isCancelled {
            switch await round(&state) {
            case .worked: continue
            case .idle: _ = await service.queued.wait(timeout: pollInterval)
            case .notInstalled: _ = await service.queued.wait(timeout: idleInterval)
            }
        }
    }

    /// What the worker carries from round to round.
    struct State {
        var bucket: TokenBucket
        var nextOfflinePoll = ContinuousClock.now
    }

    enum Round { case worked, idle, notInstalled }

    /// Who the worker talks to: the installed app's portal, and the webhook of webhook mode.
    struct Clients {
        var portal: Bitrix24Portal?
        var app: Bitrix24Client?
        var webhook: Bitrix24Client?
    }

    func clients() async throws -> Clients {
        var clients = Clients()
        if let (portal, client) = try await service.appClient(http: http) {
            clients.portal = portal
            clients.app = client
        }
        if let url = settings.webhookURL {
            clients.webhook = Bitrix24Client(http: http, access: .webhook(url: url))
        }
        return clients
    }

    /// One round: offline events collected (when due), changed households queued, the inbox
    /// acted on, then the outbox sent.
    private func round(_ state: inout State) async -> Round {
        let clients: Clients
        do { clients = try await self.clients() } catch {
            logger.error("Bitrix24 portal read failed; retrying", metadata: ["error": "\(error)"])
            return .idle
        }
        guard clients.app != nil || clients.webhook != nil else { return .notInstalled }
        var worked = false
        do {
            if let app = clients.app {
                if ContinuousClock.now >= state.nextOfflinePoll {
                    state.nextOfflinePoll = ContinuousClock.now + settings.offlinePoll
                    worked = try await collectOfflineEvents(app, &state.bucket) || worked
                }
                let passType = actions.loyalty.passes.passTypeIdentifier
                worked = try await store.queueChangedHouseholds(passTypeIdentifier: passType, kind: Bitrix24Actions.householdKind, limit: mirrorBatch) > 0 || worked
            }
            let items = try await store.claim(.inbox, kinds: Self.kinds(clients), now: Date(), lease: lease, limit: batch)
            for item in items { await act(item, clients, &state.bucket) }
            worked = worked || !items.isEmpty
            if let app = clients.app {
                let sends = try await store.claim(.outbox, now: Date(), lease: lease, limit: batch)
                if !sends.isEmpty {
                    await send(sends, app, &state.bucket)
                    worked = true
                }
            }
        } catch is CancellationError {
            return .idle
        } catch {
            logger.error("Bitrix24 queues failed; retrying", metadata: ["error": "\(error)"])
        }
        return worked ? .worked : .idle
    }

    /// Waits for the portal's limit to allow one more call.
    func pace(_ bucket: inout TokenBucket) async {
        let wait = bucket.take(now: .now)
        if wait > .zero { try? await Task.sleep(for: wait) }
    }

    func retryAt(_ attempts: Int) -> Date {
        Date().addingTimeInterval(Double(backoff.delay(retry: attempts - 1, unit: .random(in: 0...1)).wholeNanoseconds) / 1e9)
    }
}
