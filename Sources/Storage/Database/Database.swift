import Core

/// A value bound into, or read out of, a SQL statement. Both engines store exactly these.
public enum SQLValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case double(Double)
    case text(String)
    case blob([UInt8])
}

/// One result row: values by column position, and column names for lookups by name.
public struct SQLRow: Sendable, Hashable {
    public var columns: [String]
    public var values: [SQLValue]

    public init(columns: [String], values: [SQLValue]) {
        self.columns = columns
        self.values = values
    }

    public subscript(_ index: Int) -> SQLValue { values[index] }

    public subscript(_ name: String) -> SQLValue {
        guard let i = columns.firstIndex(of: name) else { return .null }
        return values[i]
    }

    public func int(_ i: Int) -> Int64? {
        switch values[i] {
        case .integer(let v): return v
        case .double(let d): return Int64(exactly: d)
        case .text(let s): return Int64(s)
        default: return nil
        }
    }

    public func text(_ i: Int) -> String? {
        switch values[i] {
        case .text(let s): return s
        case .integer(let v): return String(v)
        case .blob(let b): return String(decoding: b, as: UTF8.self)
        default: return nil
        }
    }

    public func blob(_ i: Int) -> [UInt8]? {
        switch values[i] {
        case .blob(let b): return b
        case .text(let s): return Array(s.utf8)
        default: return nil
        }
    }
}

/// The SQL dialect a statement must be written in where the two engines differ.
public enum SQLDialect: String, Sendable {
    case sqlite, postgres
}

/// A connection (or a transaction on one) that runs statements.
///
/// Statements use PostgreSQL's `$1`, `$2`, … placeholders: `$N` binds `binds[N-1]`, in any order and
/// as often as needed (the SQLite driver rewrites them to SQLite's numbered `?N`). Fewer binds than
/// the highest `$N` is an error. One statement per call.
public protocol DatabaseConnection: Sendable {
    var dialect: SQLDialect { get }
    /// Runs a statement and returns its rows (empty for statements without results).
    @discardableResult
    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow]
    /// Says that this transaction changes pass versions: when it commits, ``Database/versions``
    /// advances. Taking an update tag (the only way to change a pass) calls it.
    func changesVersions()
    /// Says that this transaction recorded pushes due: when it commits, ``Database/pushDue``
    /// signals. Recording a push due (the only writer of the push outbox) calls it.
    func recordsPushesDue()
}

extension DatabaseConnection {
    @discardableResult
    public func query(_ sql: String) async throws -> [SQLRow] { try await query(sql, []) }
}

/// A database: SQLite (embedded, the default) or PostgreSQL (for scale and several servers).
public protocol Database: Sendable {
    var dialect: SQLDialect { get }
    /// Runs `body` on a connection outside a transaction (reads). Called inside a transaction's
    /// body, it runs in that transaction and sees its uncommitted writes.
    func read<T: Sendable>(_ body: @Sendable (any DatabaseConnection) async throws -> T) async throws -> T
    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws.
    /// Transactions that write are serialized on SQLite; on PostgreSQL they run concurrently
    /// (use row locks or `FOR UPDATE` where that matters). Called inside another transaction's
    /// body on the same database (or a child task of it), it joins that transaction as a
    /// savepoint: its writes are undone alone when its body throws, and kept only if the outer
    /// transaction commits.
    func transaction<T: Sendable>(_ body: @Sendable (any DatabaseConnection) async throws -> T) async throws -> T
    /// Signalled after a transaction that recorded pushes due commits (see
    /// ``DatabaseConnection/recordsPushesDue()``),
    /// so this process's dispatcher wakes at once instead of polling.
    var pushDue: ChangeSignal { get }
    /// Runs `action` when the transaction the current task runs in commits (never, if it rolls
    /// back), or at once outside a transaction: how a service wakes a worker for what it queued.
    func afterCommit(_ action: @escaping @Sendable () -> Void)
    /// Advanced after every committed transaction that changed pass versions (see
    /// ``DatabaseConnection/changesVersions()``), by this process or (PostgreSQL) another: what a
    /// cache of versions checks (see ``VersionEpoch``).
    var versions: VersionEpoch { get }
    /// Fails fast, naming the problem, when the database can't be reached (PostgreSQL's pool
    /// would otherwise wait for it forever). SQLite: opening the file was the check.
    func checkConnection() async throws
    /// Keeps ``versions`` exact while other processes change passes too, until cancelled.
    /// SQLite: one process owns the file, so there is nothing to hear; it waits to be cancelled.
    func listenForVersionChanges() async
    /// Calls `wake` whenever another process records pushes due, until cancelled (this process's
    /// own commits signal ``pushDue``). SQLite: it waits to be cancelled.
    func listenForPushesDue(_ wake: @escaping @Sendable () -> Void) async
    /// Runs until cancelled (PostgreSQL's connection pool needs it); returns at once for SQLite.
    func run() async throws
    /// Closes connections; call after `run` has returned.
    func shutdown() async throws
}

/// Why a database URL or connection is unusable.
public struct DatabaseError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
