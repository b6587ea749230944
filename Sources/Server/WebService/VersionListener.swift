import Storage
import ServiceLifecycle

/// Keeps the pass-version cache safe where other servers write too (PostgreSQL): listens for
/// their changes until shutdown (see ``Database/listenForVersionChanges()``).
struct VersionListener: Service {
    let database: any Database

    func run() async throws {
        await cancelWhenGracefulShutdown { await database.listenForVersionChanges() }
    }
}
