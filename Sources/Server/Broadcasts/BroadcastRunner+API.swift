import Foundation
import Storage

/// Broadcasts as the API creates, shows and cancels them.
extension BroadcastRunner {
    /// Creates a broadcast (or finds the one its idempotency key made) and wakes the runner for it.
    func create(_ new: NewBroadcast) async throws -> BroadcastCreation {
        let outcome = try await store.create(new)
        if case .created = outcome { wake() }
        return outcome
    }

    func broadcast(id: Int64) async throws -> BroadcastRecord? {
        try await store.broadcast(id: id)
    }

    func cancel(id: Int64) async throws -> BroadcastCancellation {
        try await store.cancel(id: id)
    }
}
