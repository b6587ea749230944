import Foundation
import Push
import Storage

/// The dispatcher's outbox, on the registry database.
struct RegistryPushOutbox: PushOutbox {
    let store: PushOutboxStore
    /// How long a claim hides a push from other workers; a crashed worker's pushes fall due after it.
    let lease: Duration

    func claim(limit: Int, excluding: Set<String>) async throws -> [OutboxPush] {
        try await store.claim(limit: limit, lease: lease, excluding: excluding).map { due in
            OutboxPush(
                token: due.pushToken, topic: due.passTypeIdentifier, wallet: due.client == .android ? .android : .apple,
                attempts: due.attempts, generation: due.generation, broadcastID: due.broadcastID)
        }
    }

    func settle(_ results: [(OutboxPush, PushResolution)]) async throws {
        let now = Date()
        try await store.settle(results.map { push, resolution in
            let due = DuePush(
                pushToken: push.token, passTypeIdentifier: push.topic, client: push.wallet == .android ? .android : .apple,
                generation: push.generation, attempts: push.attempts, broadcastID: push.broadcastID)
            return (due, Self.settlement(resolution, attempts: push.attempts, now: now))
        }, now: now)
    }

    static func settlement(_ resolution: PushResolution, attempts: Int, now: Date) -> PushSettlement {
        switch resolution {
        case .finished(.delivered): return .delivered
        case .finished(.unregistered(let since)): return .unregister(before: since)
        case .finished(.badToken): return .unregister(before: nil)
        case .finished(.pauseTopic), .finished(.rejected), .finished(.failed): return .failed
        case .retry(let after, let attempts): return .retry(at: now.addingTimeInterval(seconds(after)), attempts: attempts)
        case .deferred(let after): return .retry(at: now.addingTimeInterval(seconds(after)), attempts: attempts)
        }
    }

    static func seconds(_ d: Duration) -> TimeInterval {
        TimeInterval(d.components.seconds) + TimeInterval(d.components.attoseconds) / 1e18
    }
}
