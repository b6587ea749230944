import Storage
import ServiceLifecycle

/// Keeps the pass-version cache safe on PostgreSQL, where other servers write too: listens for
/// their changes until shutdown (see ``PostgresDatabase/listenForVersionChanges()``). SQLite
/// needs none: one process owns the file.
struct VersionListener: Service {
    let database: PostgresDatabase

    func run() async throws {
        await cancelWhenGracefulShutdown { await database.listenForVersionChanges() }
    }
}
