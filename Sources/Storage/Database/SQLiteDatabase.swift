import Core
import Logging
import NIOCore
import NIOPosix
import SQLiteNIO

/// The embedded SQLite engine (sqlite-nio), for one server process.
///
/// ## Connections
/// - A file database opens one **writer** connection and `readerCount` (default 2) **reader**
///   connections, in WAL mode with `synchronous=NORMAL`, `foreign_keys=ON` and a busy timeout.
///   - `transaction` runs on the writer, between `BEGIN IMMEDIATE` and `COMMIT` (`ROLLBACK` when the
///     body throws or the task is cancelled). Transactions are serialized through an
///     ``AsyncSerialGate``: first come, first served, never interleaved on the connection.
///   - `read` runs on the least busy reader (`PRAGMA query_only=ON`: writes there throw). Each
///     statement sees the latest committed data.
/// - `:memory:` has a single connection (sqlite-nio builds SQLite with `SQLITE_OMIT_SHARED_CACHE`, so
///   a second connection cannot share an in-memory database). `read` and `transaction` both go
///   through the gate on that connection.
///
/// Inside a transaction body (its child tasks and `Task {}`s included, while it runs), `read` and
/// `transaction` join it (``TransactionScope``): a read sees its uncommitted writes, a nested
/// transaction is a savepoint. Calling `transaction` inside a `:memory:` `read` body throws a
/// `DatabaseError` instead of deadlocking. Don't keep the connection passed to a body after it returns.
///
/// ## Placeholders
/// Statements use PostgreSQL's `$1`…`$N`. Before a statement reaches SQLite, every `$N` outside
/// string literals, quoted identifiers and comments is rewritten to SQLite's numbered `?N`, so `$N`
/// always binds `binds[N-1]`: any order and any reuse work as on PostgreSQL. (Left as `$N`, SQLite
/// would treat them as *named* parameters numbered by first appearance, so `SELECT $2, $1` would
/// silently swap its values.) Fewer binds than the highest `$N` is an error (as on PostgreSQL;
/// SQLite alone would bind NULL); more binds is an error too (SQLITE_RANGE; PostgreSQL ignores them).
/// One statement per call: trailing statements are an error (sqlite-nio would silently drop them).
///
/// ## Values
/// INTEGER → `.integer`, REAL → `.double`, TEXT → `.text`, BLOB → `.blob`, NULL → `.null`. Text is read
/// up to its first NUL character (sqlite-nio reads it as a C string): store such data as a blob.
///
/// ## Threads
/// libsqlite3 calls block, so sqlite-nio runs them on an `NIOThreadPool`. This database owns a
/// dedicated pool with one thread per connection (started in `open`, shut down in `shutdown`), so
/// long queries can't starve other users of `NIOThreadPool.singleton` (such as NIOFileSystem) and
/// shutdown doesn't depend on a process-wide singleton. sqlite-nio accepts any started pool.
public final class SQLiteDatabase: Database {
    /// Where the database lives.
    public enum Storage: Sendable, Hashable {
        /// A database file (created if missing; its directory must exist).
        case file(path: String)
        /// A private in-memory database, gone at `shutdown`.
        case memory
    }

    public let dialect: SQLDialect = .sqlite
    public let pushDue = ChangeSignal()
    /// Live from the start: one process owns the file, so it sees every write.
    public let versions = VersionEpoch(live: true)
    public let storage: Storage

    private let threadPool: NIOThreadPool
    private let writer: SQLiteConnection
    /// nil for `:memory:`, where the writer serves reads too.
    private let readers: SQLiteReaderPool?
    private let gate = AsyncSerialGate()
    private let logger: Logger

    /// The gate holds (database → hold number) of the transactions or in-memory reads the current
    /// task runs in, to turn nested use into an error rather than a deadlock. Child tasks inherit
    /// it (and are part of the transaction); so do `Task {}`s started in a body, which is why the
    /// hold is checked to be still current before it counts.
    @TaskLocal private static var holds: [ObjectIdentifier: UInt64] = [:]

    /// Whether the current task runs inside this database's gate (a transaction, or a `:memory:` read).
    private func insideGate() async -> Bool {
        guard let hold = Self.holds[ObjectIdentifier(self)] else { return false }
        return await gate.isHeld(by: hold)
    }

    /// Runs `body` holding the gate, with the hold recorded for nested calls.
    private func withGate<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        let me = ObjectIdentifier(self)
        return try await gate.withExclusiveAccess { hold in
            var holds = Self.holds
            holds[me] = hold
            return try await Self.$holds.withValue(holds) { try await body() }
        }
    }

    private init(
        storage: Storage, threadPool: NIOThreadPool, writer: SQLiteConnection,
        readers: [SQLiteConnection], logger: Logger
    ) {
        self.storage = storage
        self.threadPool = threadPool
        self.writer = writer
        self.readers = readers.isEmpty ? nil : SQLiteReaderPool(connections: readers)
        self.logger = logger
    }

    /// Opens (creating if needed) a SQLite database.
    ///
    /// - Parameters:
    ///   - storage: A file path (its parent directory must exist; `DatabaseURL.open` creates it) or memory.
    ///   - readerCount: Reader connections for `read` on a file database (at least 1). Ignored for memory.
    ///   - busyTimeout: How long a statement waits for a lock held by another process before failing
    ///     with `SQLITE_BUSY` (reported as ``DatabaseQueryError/isSerializationFailure``).
    ///   - logger: Logs connection events.
    public static func open(
        _ storage: Storage,
        readerCount: Int = 2,
        busyTimeout: Duration = .seconds(5),
        logger: Logger
    ) async throws -> SQLiteDatabase {
        guard readerCount >= 1 else { throw DatabaseError("SQLite readerCount must be at least 1, not \(readerCount)") }
        let nioStorage: SQLiteConnection.Storage
        let readerTotal: Int
        switch storage {
        case .memory:
            nioStorage = .memory
            readerTotal = 0
        case .file(let path):
            guard !path.isEmpty else { throw DatabaseError("SQLite database path is empty") }
            nioStorage = .file(path: path)
            readerTotal = readerCount
        }
        let timeoutMilliseconds = max(0, busyTimeout.components.seconds * 1000 + busyTimeout.components.attoseconds / 1_000_000_000_000_000)

        let threadPool = NIOThreadPool(numberOfThreads: 1 + readerTotal)
        threadPool.start()
        let eventLoop = MultiThreadedEventLoopGroup.singleton.any()
        var opened: [SQLiteConnection] = []
        do {
            let writer = try await SQLiteConnection.open(storage: nioStorage, threadPool: threadPool, logger: logger, on: eventLoop)
            opened.append(writer)
            // busy_timeout replaces sqlite-nio's own busy handler, which retries forever without sleeping.
            try await execute("PRAGMA busy_timeout = \(timeoutMilliseconds)", [], on: writer)
            if case .file = storage {
                let mode = try await execute("PRAGMA journal_mode = WAL", [], on: writer)
                guard mode.first?.text(0)?.lowercased() == "wal" else {
                    throw DatabaseError("SQLite refused WAL journal mode (got \(mode.first?.text(0) ?? "nothing"))")
                }
            }
            try await execute("PRAGMA synchronous = NORMAL", [], on: writer)
            try await execute("PRAGMA foreign_keys = ON", [], on: writer)

            var readers: [SQLiteConnection] = []
            for _ in 0..<readerTotal {
                let reader = try await SQLiteConnection.open(storage: nioStorage, threadPool: threadPool, logger: logger, on: eventLoop)
                opened.append(reader)
                try await execute("PRAGMA busy_timeout = \(timeoutMilliseconds)", [], on: reader)
                try await execute("PRAGMA foreign_keys = ON", [], on: reader)
                try await execute("PRAGMA query_only = ON", [], on: reader)
                readers.append(reader)
            }
            logger.debug("Opened SQLite database", metadata: [
                "storage": "\(storage)", "readers": "\(readers.count)",
            ])
            return SQLiteDatabase(storage: storage, threadPool: threadPool, writer: writer, readers: readers, logger: logger)
        } catch {
            for connection in opened { try? await connection.close() }
            try? await threadPool.shutdownGracefully()
            throw error
        }
    }

    /// Writes a consistent copy of the database to `path` (which must not exist) with `VACUUM
    /// INTO`, which reads one snapshot while other connections and processes go on writing. It runs
    /// on a connection of its own: the readers are `query_only`, and `VACUUM` can't run inside the
    /// writer's transactions.
    public func backup(to path: String) async throws {
        guard case .file(let source) = storage else { throw DatabaseError("an in-memory SQLite database has nothing to back up") }
        let connection = try await SQLiteConnection.open(
            storage: .file(path: source), threadPool: threadPool, logger: logger, on: MultiThreadedEventLoopGroup.singleton.any())
        do {
            try await Self.execute("PRAGMA busy_timeout = 5000", [], on: connection)
            try await Self.execute("VACUUM INTO $1", [.text(path)], on: connection)
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
    }

    // MARK: Database

    public func read<T: Sendable>(_ body: @Sendable (any DatabaseConnection) async throws -> T) async throws -> T {
        if let scope = TransactionScope.joining(self) { return try await body(scope.connection) }
        guard let readers else {
            // :memory: — one connection, shared with transactions.
            if await insideGate() {
                return try await body(SQLiteStatementRunner(connection: writer))
            }
            return try await withGate { try await body(SQLiteStatementRunner(connection: self.writer)) }
        }
        let (index, connection) = try await readers.lease()
        do {
            let value = try await body(SQLiteStatementRunner(connection: connection))
            await readers.release(index)
            return value
        } catch {
            await readers.release(index)
            throw error
        }
    }

    public func transaction<T: Sendable>(_ body: @Sendable (any DatabaseConnection) async throws -> T) async throws -> T {
        if let scope = TransactionScope.joining(self) {
            let writer = self.writer
            return try await scope.savepoint(body) { sql in try await Self.executeUncancelled(sql, on: writer) }
        }
        if await insideGate() {
            throw DatabaseError("SQLite transaction started inside a read on the same in-memory database (nesting is not supported)")
        }
        return try await withGate { try await self.runTransaction(body) }
    }

    public func afterCommit(_ action: @escaping @Sendable () -> Void) {
        if let scope = TransactionScope.joining(self) { scope.notes.afterCommit(action) } else { action() }
    }

    public func checkConnection() async throws {}

    /// One process owns the file: its own commits advance ``versions``. Waits to be cancelled.
    public func listenForVersionChanges() async { await Self.untilCancelled() }

    /// One process owns the file: its own commits signal ``pushDue``. Waits to be cancelled.
    public func listenForPushesDue(_ wake: @escaping @Sendable () -> Void) async { await Self.untilCancelled() }

    private static func untilCancelled() async {
        while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
    }

    /// Returns at once: SQLite needs no background work.
    public func run() async throws {}

    /// Waits for running and queued transactions and running reads, then closes every connection
    /// and the thread pool. Later calls throw `DatabaseError`; calling `shutdown` again does nothing.
    public func shutdown() async throws {
        do {
            try await gate.acquire()
        } catch is DatabaseError {
            return // already shut down (or shutting down)
        }
        await gate.close(error: DatabaseError("SQLite database is shut down"))
        await readers?.closeAndDrain()
        var firstError: (any Error)?
        for connection in [writer] + (readers?.connections ?? []) {
            do { try await connection.close() } catch {
                logger.error("Closing a SQLite connection failed: \(error)")
                firstError = firstError ?? error
            }
        }
        await gate.release()
        try await threadPool.shutdownGracefully()
        logger.debug("Closed SQLite database", metadata: ["storage": "\(storage)"])
        if let firstError { throw firstError }
    }

    // MARK: Transactions

    /// Runs on the writer while this task holds the gate.
    private func runTransaction<T: Sendable>(_ body: @Sendable (any DatabaseConnection) async throws -> T) async throws -> T {
        try await begin()
        let value: T
        let notes = TransactionNotes()
        let scope = TransactionScope(connection: SQLiteStatementRunner(connection: writer, notes: notes), notes: notes)
        do {
            value = try await scope.run(for: self, body)
            if notes.isBroken { throw DatabaseError("SQLite could not roll back a failed savepoint; the transaction was rolled back") }
        } catch {
            await rollback()
            throw error
        }
        do {
            try await Self.execute("COMMIT", [], on: writer)
        } catch {
            await rollback()
            throw error
        }
        notes.committed(versions: versions, pushDue: pushDue)
        return value
    }

    private func begin() async throws {
        do {
            try await Self.execute("BEGIN IMMEDIATE", [], on: writer)
        } catch let error as DatabaseQueryError where error.message.contains("within a transaction") {
            // A previous ROLLBACK could not run (it is never cancelled, so only an I/O failure gets
            // here): clear the stale transaction once and start again.
            logger.warning("SQLite writer was left inside a transaction; rolling it back")
            await rollback()
            try await Self.execute("BEGIN IMMEDIATE", [], on: writer)
        }
    }

    /// Rolls back the writer's transaction, even when the current task is cancelled (sqlite-nio
    /// drops work submitted from a cancelled task, and skipping ROLLBACK would leave the only writer
    /// stuck in an open transaction). Errors are logged: SQLite may already have rolled back by itself.
    private func rollback() async {
        do {
            try await Self.executeUncancelled("ROLLBACK", on: writer)
        } catch let error as DatabaseQueryError where error.message.contains("no transaction is active") {
            // SQLite rolled back on its own (e.g. after SQLITE_FULL or SQLITE_BUSY on COMMIT).
        } catch {
            logger.error("SQLite ROLLBACK failed: \(error)")
        }
    }

    /// Runs a statement in a task of its own: sqlite-nio drops work submitted from a cancelled
    /// task, and a rollback must run all the same.
    private static func executeUncancelled(_ sql: String, on writer: SQLiteConnection) async throws {
        _ = try await Task { try await execute(sql, [], on: writer) }.value
    }

    // MARK: Statements

    /// Runs one statement on `connection` and collects its rows.
    @discardableResult
    static func execute(_ sql: String, _ binds: [SQLValue], on connection: SQLiteConnection) async throws -> [SQLRow] {
        let (statement, highest) = try SQLiteSQL.prepare(sql)
        // SQLite would bind NULL to a missing value; PostgreSQL refuses, and so do we. (Extra binds
        // fail in SQLite with SQLITE_RANGE, while PostgreSQL ignores them.)
        guard binds.count >= highest else {
            throw DatabaseQueryError(
                dialect: .sqlite, kind: .other, code: "range",
                message: "statement uses $\(highest) but only \(binds.count) bind value\(binds.count == 1 ? " was" : "s were") given")
        }
        let data = binds.map(SQLiteData.init(_:))
        let collector = SQLiteRowCollector()
        do {
            try await connection.query(statement, data) { row in collector.rows.append(SQLRow(row)) }
        } catch let error as SQLiteError {
            throw DatabaseQueryError(error)
        }
        return collector.rows
    }
}

/// Gathers rows from sqlite-nio's `onRow` callback.
// @unchecked: written only by onRow, which sqlite-nio calls synchronously on one pool thread before `query` resumes us; read only after that.
private final class SQLiteRowCollector: @unchecked Sendable {
    var rows: [SQLRow] = []
}

/// The `DatabaseConnection` handed to bodies: runs statements on one sqlite-nio connection.
struct SQLiteStatementRunner: DatabaseConnection {
    let connection: SQLiteConnection
    /// Set inside a transaction.
    var notes: TransactionNotes? = nil
    var dialect: SQLDialect { .sqlite }

    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
        try await SQLiteDatabase.execute(sql, binds, on: connection)
    }

    func changesVersions() { notes?.noteVersionsChanged() }
    func recordsPushesDue() { notes?.notePushesDue() }
}

/// Hands out reader connections, least busy first (connections are thread-safe in SQLite's
/// serialized mode, so two reads may share one when all are busy; nobody waits here).
/// `closeAndDrain` refuses new leases and waits for the running ones.
actor SQLiteReaderPool {
    nonisolated let connections: [SQLiteConnection]
    private var inFlight: [Int]
    private var cursor = 0
    private var isClosed = false
    private var drainWaiters: [CheckedContinuation<Void, Never>] = []

    init(connections: [SQLiteConnection]) {
        precondition(!connections.isEmpty)
        self.connections = connections
        self.inFlight = Array(repeating: 0, count: connections.count)
    }

    func lease() throws -> (Int, SQLiteConnection) {
        if isClosed { throw DatabaseError("SQLite database is shut down") }
        // Least loaded; ties broken round-robin so idle readers take turns.
        var best = cursor
        for step in 1..<inFlight.count {
            let candidate = (cursor + step) % inFlight.count
            if inFlight[candidate] < inFlight[best] { best = candidate }
        }
        cursor = (best + 1) % inFlight.count
        inFlight[best] += 1
        return (best, connections[best])
    }

    func release(_ index: Int) {
        inFlight[index] -= 1
        if isClosed && inFlight.allSatisfy({ $0 == 0 }) {
            let waiters = drainWaiters
            drainWaiters.removeAll()
            for waiter in waiters { waiter.resume() }
        }
    }

    func closeAndDrain() async {
        isClosed = true
        if inFlight.allSatisfy({ $0 == 0 }) { return }
        await withCheckedContinuation { drainWaiters.append($0) }
    }
}

// MARK: - Placeholders

enum SQLiteSQL {
    /// Checks that `sql` holds one statement (sqlite-nio would silently ignore the rest) and
    /// rewrites PostgreSQL-style `$N` placeholders to SQLite's numbered `?N`, leaving string
    /// literals, quoted identifiers (`"…"`, `` `…` ``, `[…]`), comments, and `$` inside identifiers
    /// (`a$1`) alone.
    ///
    /// - Returns: The SQL for SQLite and the highest `N` among its `$N` (0 if none).
    static func prepare(_ sql: String) throws(DatabaseError) -> (sql: String, highestPlaceholder: Int) {
        let bytes = Array(sql.utf8)
        guard bytes.contains(UInt8(ascii: "$")) || bytes.contains(UInt8(ascii: ";")) else { return (sql, 0) }
        var highest = 0
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        let n = bytes.count
        var i = 0
        var terminated = false

        func copy(through end: Int) {
            let stop = min(end, n)
            out.append(contentsOf: bytes[i..<stop])
            i = stop
        }

        while i < n {
            let c = bytes[i]
            // Whitespace, comments and `;` may follow the statement; anything else may not.
            if c == UInt8(ascii: " ") || c == UInt8(ascii: "\n") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\r") || c == 0x0C {
                out.append(c)
                i += 1
                continue
            }
            if c == UInt8(ascii: "-") && i + 1 < n && bytes[i + 1] == UInt8(ascii: "-") {
                var j = i + 2
                while j < n && bytes[j] != UInt8(ascii: "\n") { j += 1 }
                copy(through: j)
                continue
            }
            if c == UInt8(ascii: "/") && i + 1 < n && bytes[i + 1] == UInt8(ascii: "*") {
                var j = i + 2
                while j + 1 < n && !(bytes[j] == UInt8(ascii: "*") && bytes[j + 1] == UInt8(ascii: "/")) { j += 1 }
                copy(through: j + 2)
                continue
            }
            if c == UInt8(ascii: ";") {
                terminated = true
                out.append(c)
                i += 1
                continue
            }
            if terminated {
                throw DatabaseError("SQLite runs one statement per query() call; this SQL holds several (split it into separate calls)")
            }
            switch c {
            case UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "`"):
                // Quoted; a doubled quote is an escaped quote.
                var j = i + 1
                while j < n {
                    if bytes[j] == c {
                        if j + 1 < n && bytes[j + 1] == c { j += 2; continue }
                        break
                    }
                    j += 1
                }
                copy(through: j + 1)
            case UInt8(ascii: "["):
                var j = i + 1
                while j < n && bytes[j] != UInt8(ascii: "]") { j += 1 }
                copy(through: j + 1)
            case UInt8(ascii: "$") where i + 1 < n && isDigit(bytes[i + 1]):
                var j = i + 1
                while j < n && isDigit(bytes[j]) { j += 1 }
                if j < n && isIdentifierByte(bytes[j]) {
                    copy(through: j) // `$1abc`: not a placeholder; let SQLite report it
                } else {
                    out.append(UInt8(ascii: "?"))
                    out.append(contentsOf: bytes[(i + 1)..<j])
                    // (A huge number saturates; SQLite rejects it anyway.)
                    let number = bytes[(i + 1)..<j].reduce(0) { $0 > 1_000_000 ? $0 : $0 * 10 + Int($1 - UInt8(ascii: "0")) }
                    highest = max(highest, number)
                    i = j
                }
            default:
                if isIdentifierByte(c) {
                    // Copy the whole word so a `$` inside it (`a$1`) is never taken for a placeholder.
                    var j = i + 1
                    while j < n && isIdentifierByte(bytes[j]) { j += 1 }
                    copy(through: j)
                } else {
                    out.append(c)
                    i += 1
                }
            }
        }
        return (String(decoding: out, as: UTF8.self), highest)
    }

    private static func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }

    private static func isIdentifierByte(_ c: UInt8) -> Bool {
        isDigit(c) || (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
            || c == UInt8(ascii: "_") || c == UInt8(ascii: "$") || c >= 0x80
    }
}

// MARK: - Values and errors

extension SQLiteData {
    init(_ value: SQLValue) {
        switch value {
        case .null: self = .null
        case .integer(let v): self = .integer(SQLiteInt64(v))
        case .double(let v): self = .float(v)
        case .text(let v): self = .text(v)
        case .blob(let v): self = .blob(ByteBuffer(bytes: v))
        }
    }
}

extension SQLValue {
    init(_ data: SQLiteData) {
        switch data {
        case .null: self = .null
        case .integer(let v): self = .integer(Int64(v))
        case .float(let v): self = .double(v)
        case .text(let v): self = .text(v)
        case .blob(let buffer): self = .blob(Array(buffer.readableBytesView))
        }
    }
}

extension SQLRow {
    init(_ row: SQLiteRow) {
        let columns = row.columns
        self.init(columns: columns.map(\.name), values: columns.map { SQLValue($0.data) })
    }
}

extension DatabaseQueryError {
    init(_ error: SQLiteError) {
        let kind: Kind
        switch error.reason {
        case .constraintUniqueFailed, .constraintPrimaryKeyFailed, .constraintUniqueRowIDFailed:
            kind = .uniqueViolation
        case .constraintForeignKeyFailed:
            kind = .foreignKeyViolation
        case .constraintNotNullFailed:
            kind = .notNullViolation
        case .constraintCheckFailed:
            kind = .checkViolation
        case .busy, .busyTimeout, .busyInSnapshot, .busyInRecovery, .locked:
            kind = .serializationFailure
        default:
            kind = .other
        }
        self.init(dialect: .sqlite, kind: kind, code: "\(error.reason)", message: error.message)
    }
}
