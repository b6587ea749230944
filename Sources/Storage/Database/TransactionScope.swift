import Core
import Synchronization

/// What a transaction says of itself while it runs, acted on when the outermost one commits.
final class TransactionNotes: Sendable {
    private struct State {
        var versions = false
        var pushes = false
        var broken = false
        var failedStatement = false
        var actions: [@Sendable () -> Void] = []
    }
    private let state = Mutex(State())

    func noteVersionsChanged() { state.withLock { $0.versions = true } }
    func notePushesDue() { state.withLock { $0.pushes = true } }
    /// A savepoint could not be rolled back: committing would keep part of a failed step.
    func noteBroken() { state.withLock { $0.broken = true } }
    func afterCommit(_ action: @escaping @Sendable () -> Void) { state.withLock { $0.actions.append(action) } }
    /// How many actions are registered: a savepoint's mark.
    var actionCount: Int { state.withLock { $0.actions.count } }
    /// Forgets the actions of an undone savepoint (its flags stay: a spurious wake-up is harmless).
    func dropActions(from mark: Int) { state.withLock { $0.actions.removeSubrange(mark...) } }

    var isBroken: Bool { state.withLock { $0.broken } }

    /// A statement failed: on PostgreSQL the transaction may be aborted until a savepoint is
    /// rolled back, and a statement prepared now would fail and stay failed on its connection
    /// (postgres-nio remembers a failed preparation), so the rest of it runs unnamed.
    func noteStatementFailed() { state.withLock { $0.failedStatement = true } }
    var hasFailedStatement: Bool { state.withLock { $0.failedStatement } }

    /// What to do now that the transaction committed: advance `versions`, signal `pushDue`, run the actions.
    func committed(versions: VersionEpoch, pushDue: ChangeSignal) {
        let s = state.withLock { $0 }
        if s.versions { versions.advance() }
        if s.pushes { pushDue.signal() }
        for action in s.actions { action() }
    }
}

/// The transaction the current task runs in, so that a `transaction` or `read` called inside its
/// body joins it instead of opening another: a nested `transaction` becomes a savepoint (rolled
/// back alone when its body throws), a nested `read` sees the transaction's uncommitted writes.
///
/// This is what lets a caller make several stores' writes one atomic unit without threading a
/// connection through every store: an idempotent request runs its claim, its effect and its stored
/// response in one transaction, so no crash can keep one without the others.
///
/// Child tasks and `Task {}`s started in a body inherit the scope; once the transaction has ended
/// it is closed and they open transactions of their own. Don't run statements of one transaction
/// from several tasks at once.
final class TransactionScope: Sendable {
    let connection: any DatabaseConnection
    let notes: TransactionNotes
    private let state = Mutex((open: true, savepoints: 0))

    @TaskLocal private static var current: [ObjectIdentifier: TransactionScope] = [:]

    init(connection: any DatabaseConnection, notes: TransactionNotes) {
        self.connection = connection
        self.notes = notes
    }

    /// The open transaction of `database` that the current task runs in, if any.
    static func joining(_ database: AnyObject) -> TransactionScope? {
        guard let scope = current[ObjectIdentifier(database)], scope.state.withLock({ $0.open }) else { return nil }
        return scope
    }

    /// Runs `body` as the transaction of `database` for nested calls; closes the scope after.
    func run<T>(for database: AnyObject, _ body: (any DatabaseConnection) async throws -> T) async throws -> T {
        var scopes = Self.current
        scopes[ObjectIdentifier(database)] = self
        defer { state.withLock { $0.open = false } }
        return try await Self.$current.withValue(scopes) { try await body(connection) }
    }

    /// Runs `body` inside a savepoint: released when it returns, rolled back to when it throws.
    /// `rollback` runs a statement even from a cancelled task (the drivers' own way).
    func savepoint<T>(
        _ body: (any DatabaseConnection) async throws -> T, rollback: @Sendable (String) async throws -> Void
    ) async throws -> T {
        let name = state.withLock { s -> String in
            s.savepoints += 1
            return "passline_sp\(s.savepoints)"
        }
        try await connection.query("SAVEPOINT \(name)")
        let mark = notes.actionCount
        let value: T
        do {
            value = try await body(connection)
        } catch {
            notes.dropActions(from: mark)
            do {
                try await rollback("ROLLBACK TO SAVEPOINT \(name)")
                try await rollback("RELEASE SAVEPOINT \(name)")
            } catch {
                notes.noteBroken()
            }
            throw error
        }
        try await connection.query("RELEASE SAVEPOINT \(name)")
        return value
    }
}
