import Core
import Foundation
import Logging
import NIOCore
import PostgresNIO

/// PostgreSQL through postgres-nio's `PostgresClient` connection pool.
///
/// `run()` runs the pool and returns when its task is cancelled (or the ServiceGroup it runs in
/// shuts down gracefully); queries wait for a connection until it runs. `shutdown()` has nothing
/// left to do afterwards.
///
/// - `read` leases a connection and runs the body outside a transaction (each statement autocommits).
/// - `transaction` leases a connection and runs `BEGIN` … `COMMIT`, or `ROLLBACK` when the body throws
///   or the task is cancelled. The body's own error is rethrown unchanged. Transactions run
///   concurrently: use `SELECT … FOR UPDATE` or retry on ``DatabaseQueryError/isSerializationFailure``.
///   After a failed statement PostgreSQL ignores the rest of the transaction (SQLite doesn't):
///   if the body swallows such an error, `COMMIT` rolls back instead and `transaction` throws
///   SQLSTATE 25P02. Use a `SAVEPOINT` to go on after an expected failure.
/// - Inside a transaction body (its child tasks and `Task {}`s included, while it runs), `read` and
///   `transaction` join it on the same connection (``TransactionScope``): a read sees its
///   uncommitted writes, a nested transaction is a savepoint.
///
/// One statement per `query` call (the extended protocol forbids several). Don't keep the
/// connection passed to a body after it returns: it goes back to the pool.
///
/// Values: Int64 → int8, Double → float8, String → text, blob → bytea, null → untyped NULL. Results
/// are decoded by column type: int2/int4/int8/oid → integer, bool → integer 0/1, float4/float8/numeric
/// → double, bytea → blob, text-like types, json/jsonb, uuid (lower case) and xml → text,
/// timestamptz → ISO 8601 text in UTC (`2024-05-06T07:08:09.123456Z`; no fraction for whole seconds),
/// timestamp → the same without `Z`, date → `2024-05-06`, time → `07:08:09`. Other types are decoded as
/// text when their binary form is UTF-8, else as a blob: cast them (`::text`) in SQL.
public final class PostgresDatabase: Database {
    public let dialect: SQLDialect = .postgres
    public let pushDue = ChangeSignal()
    /// Live only while ``listenForVersionChanges()`` listens: other servers write too.
    public let versions = VersionEpoch(live: false)
    public let settings: PostgresSettings
    public let maxConnections: Int

    private let client: PostgresClient
    private let logger: Logger
    /// The statements run by name, prepared once per connection.
    let names: PostgresStatementNames

    /// - Parameters:
    ///   - settings: Server, credentials, database and TLS.
    ///   - maxConnections: The pool's limit (default 10).
    ///   - logger: Gets the pool's background events and each statement's debug logs.
    public init(settings: PostgresSettings, maxConnections: Int = 10, logger: Logger) {
        precondition(maxConnections >= 1, "PostgresDatabase needs at least one connection")
        self.settings = settings
        self.maxConnections = maxConnections
        self.logger = logger
        self.names = PostgresStatementNames(limit: settings.preparedStatements ? PostgresStatementNames.defaultLimit : 0)
        var configuration = PostgresClient.Configuration(
            host: settings.host,
            port: settings.port,
            username: settings.username,
            password: settings.password,
            database: settings.database,
            tls: settings.tls ? .require(.makeClientConfiguration()) : .disable
        )
        configuration.options.maximumConnections = maxConnections
        configuration.options.minimumConnections = 0
        self.client = PostgresClient(configuration: configuration, backgroundLogger: logger)
    }

    // MARK: Database

    /// Runs the connection pool until the task is cancelled. Call it once.
    public func run() async throws {
        await client.run()
    }

    /// Nothing to do: the pool closed its connections when `run()` returned.
    public func shutdown() async throws {}

    public func read<T: Sendable>(_ body: @Sendable (any DatabaseConnection) async throws -> T) async throws -> T {
        if let scope = TransactionScope.joining(self) { return try await body(scope.connection) }
        let logger = self.logger, names = self.names
        var leased = false
        do {
            return try await client.withConnection { connection in
                leased = true
                return try await body(PostgresStatementRunner(connection: connection, logger: logger, names: names))
            }
        } catch {
            // The body's errors (its statements translate their own) pass through unchanged.
            throw leased ? error : Self.translateLeaseError(error)
        }
    }

    public func transaction<T: Sendable>(_ body: @Sendable (any DatabaseConnection) async throws -> T) async throws -> T {
        let logger = self.logger, names = self.names
        if let scope = TransactionScope.joining(self), let runner = scope.connection as? PostgresStatementRunner {
            return try await scope.savepoint(body) { sql in try await Self.uncancelled(sql, on: runner.connection, logger: logger) }
        }
        var leased = false
        do {
            return try await client.withConnection { connection in
                leased = true
                let notes = TransactionNotes()
                let runner = PostgresStatementRunner(connection: connection, logger: logger, names: names, notes: notes)
                try await runner.query("BEGIN")
                let value: T
                do {
                    value = try await TransactionScope(connection: runner, notes: notes).run(for: self, body)
                    if notes.isBroken {
                        throw DatabaseError("PostgreSQL could not roll back a failed savepoint; the transaction was rolled back")
                    }
                } catch {
                    await Self.rollback(connection, logger: logger)
                    throw error
                }
                do {
                    try await Self.commit(connection, logger: logger)
                } catch {
                    await Self.rollback(connection, logger: logger)
                    throw error
                }
                // Other servers hear of it by NOTIFY (the trigger on passes); this one at once.
                notes.committed(versions: versions, pushDue: pushDue)
                return value
            }
        } catch {
            throw leased ? error : Self.translateLeaseError(error)
        }
    }

    public func afterCommit(_ action: @escaping @Sendable () -> Void) {
        if let scope = TransactionScope.joining(self) { scope.notes.afterCommit(action) } else { action() }
    }

    /// Calls `onNotification` for every NOTIFY on `channel` (delivered when the notifying
    /// transaction commits) until the task is cancelled; holds one pooled connection, and takes
    /// another after a failure.
    public func listen(
        channel: String, onInterruption: @escaping @Sendable () -> Void = {}, onNotification: @escaping @Sendable () -> Void
    ) async {
        while !Task.isCancelled {
            do {
                try await client.withConnection { connection in
                    try await connection.listen(on: channel) { notifications in
                        onNotification() // anything committed before LISTEN took effect
                        for try await _ in notifications { onNotification() }
                    }
                }
                onInterruption()
            } catch {
                onInterruption()
                if Task.isCancelled { return }
                logger.warning("LISTEN \(channel) failed; retrying", metadata: ["error": "\(String(reflecting: error))"])
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    /// Keeps ``versions`` live by listening for changes to passes by any server (a statement
    /// trigger on `passes` notifies ``Migrations/versionsChannel``) until the task is cancelled.
    /// While the listening connection is down, ``versions`` is not live, so nothing is cached.
    public func listenForVersionChanges() async {
        let versions = self.versions
        await listen(channel: Migrations.versionsChannel, onInterruption: { versions.setLive(false) }) {
            // The first call comes once LISTEN has taken effect.
            if versions.current == nil { versions.setLive(true) } else { versions.advance() }
        }
        versions.setLive(false)
    }

    /// Calls `wake` for every NOTIFY on ``PushOutboxStore/notifyChannel`` (sent by every
    /// transaction that records pushes due, delivered on commit) until cancelled.
    public func listenForPushesDue(_ wake: @escaping @Sendable () -> Void) async {
        await listen(channel: PushOutboxStore.notifyChannel, onNotification: wake)
    }

    /// Connects once, outside the pool, and runs `SELECT 1`. The pool retries an unreachable
    /// server forever (queries just wait), so call this at startup to fail fast, with a
    /// `DatabaseError` or ``DatabaseQueryError`` naming the problem (never the password), on a
    /// wrong host, port, credentials, database or TLS setting. Needs no `run()`.
    public func checkConnection() async throws {
        let tls: PostgresConnection.Configuration.TLS
        if settings.tls {
            do {
                tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            } catch {
                throw DatabaseError("Cannot set up TLS for PostgreSQL: \(error)")
            }
        } else {
            tls = .disable
        }
        let configuration = PostgresConnection.Configuration(
            host: settings.host, port: settings.port, username: settings.username,
            password: settings.password, database: settings.database, tls: tls)
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
        } catch {
            throw Self.connectError(error, settings: settings)
        }
        do {
            try await connection.query("SELECT 1", logger: logger)
        } catch {
            try? await connection.close()
            throw Self.connectError(error, settings: settings)
        }
        try await connection.close()
    }

    // MARK: Transactions

    private static func commit(_ connection: PostgresConnection, logger: Logger) async throws {
        let result: PostgresQueryResult
        do {
            result = try await connection.query("COMMIT", logger: logger).get()
        } catch let error as PSQLError {
            throw translate(error)
        }
        // COMMIT of a transaction that hit an error answers "ROLLBACK" instead of failing.
        if result.metadata.command != "COMMIT" {
            throw DatabaseQueryError(
                dialect: .postgres, kind: .other, code: "25P02",
                message: "transaction was rolled back at COMMIT because a statement in it had failed (the error was caught inside the transaction; use a SAVEPOINT to recover from expected failures)")
        }
    }

    /// Rolls back in a task of its own, so it runs even when the current task is cancelled. A
    /// connection that can't roll back is closed, so the pool never hands out an open transaction.
    private static func rollback(_ connection: PostgresConnection, logger: Logger) async {
        do {
            try await uncancelled("ROLLBACK", on: connection, logger: logger)
        } catch {
            logger.error("PostgreSQL ROLLBACK failed; closing the connection: \(describe(error))")
            try? await connection.close()
        }
    }

    /// Runs a statement in a task of its own, so it runs even when the current task is cancelled.
    private static func uncancelled(_ sql: String, on connection: PostgresConnection, logger: Logger) async throws {
        try await Task {
            do { try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger) } catch let error as PSQLError { throw translate(error) }
        }.value
    }

    // MARK: Errors

    /// Server errors become ``DatabaseQueryError`` (SQLSTATE, message, detail, constraint); a
    /// cancelled query becomes `CancellationError`; the rest (connection, TLS, authentication,
    /// closed pool…) become `DatabaseError`.
    static func translate(_ error: PSQLError) -> any Error {
        if let info = error.serverInfo, let state = info[.sqlState] {
            let kind: DatabaseQueryError.Kind
            switch state {
            case "23505": kind = .uniqueViolation
            case "23503": kind = .foreignKeyViolation
            case "23502": kind = .notNullViolation
            case "23514": kind = .checkViolation
            case "40001", "40P01": kind = .serializationFailure
            default: kind = .other
            }
            return DatabaseQueryError(
                dialect: .postgres, kind: kind, code: state,
                message: info[.message] ?? "(no message)",
                detail: info[.detail], constraint: info[.constraintName])
        }
        if error.code == .queryCancelled { return CancellationError() }
        return DatabaseError("PostgreSQL \(describe(error))")
    }

    /// Failures to get a connection from the pool. The pool waits for a reachable server rather
    /// than failing, so in practice this is cancellation or a closed pool.
    static func translateLeaseError(_ error: any Error) -> any Error {
        if let error = error as? PSQLError { return translate(error) }
        if error is CancellationError || Task.isCancelled { return CancellationError() }
        return DatabaseError("PostgreSQL connection pool: \(error)")
    }

    static func connectError(_ error: any Error, settings: PostgresSettings) -> any Error {
        let translated = (error as? PSQLError).map(translate) ?? error
        if translated is DatabaseQueryError || translated is CancellationError { return translated }
        let reason = translated is DatabaseError ? "\(translated)" : "\(describe(error))"
        return DatabaseError("Cannot connect to PostgreSQL at \(settings.host):\(settings.port) as \(settings.username): \(reason)")
    }

    /// PSQLError's `description` is deliberately generic; this names the failure without the
    /// query or its binds.
    static func describe(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return String(describing: error) }
        var text = "error \(error.code)"
        if let message = error.serverInfo?[.message] { text += ": \(message)" }
        if let underlying = error.underlying { text += " (\(String(describing: underlying)))" }
        return text
    }
}

/// The `DatabaseConnection` handed to bodies: one leased pool connection.
struct PostgresStatementRunner: DatabaseConnection {
    let connection: PostgresConnection
    let logger: Logger
    /// Which statements run by name (see ``PostgresStatementNames``).
    let names: PostgresStatementNames
    /// Set inside a transaction.
    var notes: TransactionNotes? = nil
    var dialect: SQLDialect { .postgres }

    func changesVersions() { notes?.noteVersionsChanged() }
    func recordsPushesDue() { notes?.notePushesDue() }

    @discardableResult
    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
        var bindings = PostgresBindings(capacity: binds.count)
        var types: [PostgresDataType] = []
        types.reserveCapacity(binds.count)
        for value in binds {
            switch value {
            case .null: bindings.appendNull(); types.append(.null)
            case .integer(let v): bindings.append(v); types.append(.int8)
            case .double(let v): bindings.append(v); types.append(.float8)
            case .text(let v): bindings.append(v); types.append(.text)
            case .blob(let v): bindings.append(ByteBuffer(bytes: v)); types.append(.bytea)
            }
        }
        let name = notes?.hasFailedStatement == true ? nil : names.name(sql: sql, types: types)
        do {
            if let name {
                let text = ReusedPostgresStatement.Text(name: name, sql: sql, types: types)
                return try await ReusedPostgresStatement.$current.withValue(text) {
                    try await Self.collect(connection.execute(ReusedPostgresStatement(bindings: bindings), logger: logger))
                }
            }
            return try await Self.collect(connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger))
        } catch let error as PSQLError {
            notes?.noteStatementFailed()
            let translated = PostgresDatabase.translate(error)
            // A schema change under a prepared statement that changes its result's columns fails
            // it on this connection for good ("cached plan must not change result type"): close
            // the connection, so the pool opens a fresh one.
            if name != nil, let query = translated as? DatabaseQueryError, query.code == "0A000" {
                try? await connection.close()
            }
            throw translated
        } catch {
            notes?.noteStatementFailed()
            throw error
        }
    }

    private static func collect<Rows: AsyncSequence>(_ rows: Rows) async throws -> [SQLRow] where Rows.Element == PostgresRow {
        var result: [SQLRow] = []
        for try await row in rows {
            var columns: [String] = []
            var values: [SQLValue] = []
            columns.reserveCapacity(row.count)
            values.reserveCapacity(row.count)
            for cell in row {
                columns.append(cell.columnName)
                values.append(try PostgresValueDecoder.decode(cell))
            }
            result.append(SQLRow(columns: columns, values: values))
        }
        return result
    }
}

// MARK: - Decoding

enum PostgresValueDecoder {
    static func decode(_ cell: PostgresCell) throws -> SQLValue {
        guard var buffer = cell.bytes else { return .null }
        switch cell.format {
        case .binary: return try decodeBinary(&buffer, type: cell.dataType, column: cell.columnName)
        case .text: return decodeText(String(buffer: buffer), type: cell.dataType)
        }
    }

    private static func malformed(_ type: PostgresDataType, _ column: String) -> DatabaseError {
        DatabaseError("PostgreSQL sent a malformed \(type) value for column '\(column)'")
    }

    static func decodeBinary(_ buffer: inout ByteBuffer, type: PostgresDataType, column: String) throws -> SQLValue {
        func read<I: FixedWidthInteger>(_: I.Type) throws -> I {
            guard buffer.readableBytes == MemoryLayout<I>.size, let v = buffer.readInteger(endianness: .big, as: I.self) else {
                throw malformed(type, column)
            }
            return v
        }
        switch type {
        case .bool: return .integer(try read(UInt8.self) != 0 ? 1 : 0)
        case .int2: return .integer(Int64(try read(Int16.self)))
        case .int4: return .integer(Int64(try read(Int32.self)))
        case .int8: return .integer(try read(Int64.self))
        case .oid: return .integer(Int64(try read(UInt32.self)))
        case .float4: return .double(Double(Float(bitPattern: try read(UInt32.self))))
        case .float8: return .double(Double(bitPattern: try read(UInt64.self)))
        case .numeric:
            guard let value = numericToDouble(&buffer) else { throw malformed(type, column) }
            return .double(value)
        case .bytea: return .blob(Array(buffer.readableBytesView))
        case .uuid:
            guard buffer.readableBytes == 16, let bytes = buffer.readBytes(length: 16) else { throw malformed(type, column) }
            return .text(formatUUID(bytes))
        case .jsonb:
            guard buffer.readInteger(as: UInt8.self) == 1 else { throw malformed(type, column) }
            return .text(String(buffer: buffer))
        case .timestamptz: return .text(formatTimestamp(microseconds: try read(Int64.self), utc: true))
        case .timestamp: return .text(formatTimestamp(microseconds: try read(Int64.self), utc: false))
        case .date: return .text(formatDate(days: try read(Int32.self)))
        case .time: return .text(formatTime(microseconds: try read(Int64.self)))
        case .text, .varchar, .bpchar, .name, .json, .xml, .char, .unknown:
            return .text(String(buffer: buffer))
        default:
            // Enums, citext, ltree… send UTF-8 text; anything else arrives as raw bytes.
            let bytes = Array(buffer.readableBytesView)
            if let text = String(bytes: bytes, encoding: .utf8) { return .text(text) }
            return .blob(bytes)
        }
    }

    static func decodeText(_ text: String, type: PostgresDataType) -> SQLValue {
        switch type {
        case .bool: return .integer(text == "t" || text == "true" ? 1 : 0)
        case .int2, .int4, .int8, .oid: return Int64(text).map(SQLValue.integer) ?? .text(text)
        case .float4, .float8, .numeric: return Double(text).map(SQLValue.double) ?? .text(text)
        case .bytea:
            guard text.hasPrefix("\\x") else { return .blob(Array(text.utf8)) }
            var bytes: [UInt8] = []
            var high: UInt8?
            for scalar in text.utf8.dropFirst(2) {
                guard let nibble = Hex.value(of: scalar) else { return .text(text) }
                if let h = high { bytes.append(h << 4 | nibble); high = nil } else { high = nibble }
            }
            return .blob(bytes)
        default: return .text(text)
        }
    }

    /// numeric's binary form: ndigits, weight, sign, dscale (Int16 each), then base-10000 digits.
    /// Built as a decimal string so the conversion rounds correctly.
    static func numericToDouble(_ buffer: inout ByteBuffer) -> Double? {
        guard let ndigits = buffer.readInteger(endianness: .big, as: Int16.self),
              let weight = buffer.readInteger(endianness: .big, as: Int16.self),
              let sign = buffer.readInteger(endianness: .big, as: UInt16.self),
              buffer.readInteger(endianness: .big, as: Int16.self) != nil  // dscale
        else { return nil }
        switch sign {
        case 0xC000: return .nan
        case 0xD000: return .infinity
        case 0xF000: return -.infinity
        case 0x0000, 0x4000: break
        default: return nil
        }
        guard ndigits >= 0 else { return nil }
        if ndigits == 0 { return sign == 0x4000 ? -0.0 : 0 }
        var digits = sign == 0x4000 ? "-" : ""
        for _ in 0..<ndigits {
            guard let group = buffer.readInteger(endianness: .big, as: Int16.self), (0...9999).contains(group) else { return nil }
            let text = String(group)
            digits += String(repeating: "0", count: 4 - text.count) + text
        }
        // value = 0.d1d2…dn (groups) × 10000^(weight+1) = digits × 10^(4·(weight + 1 − ndigits))
        let exponent = 4 * (Int(weight) + 1 - Int(ndigits))
        return Double("\(digits)e\(exponent)")
    }

    static func formatUUID(_ bytes: [UInt8]) -> String {
        let hex = bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }
        return [hex[0..<4], hex[4..<6], hex[6..<8], hex[8..<10], hex[10..<16]].map { $0.joined() }.joined(separator: "-")
    }

    /// Days between 1970-01-01 and PostgreSQL's epoch 2000-01-01.
    private static let epochOffsetDays: Int64 = 10_957
    private static let microsecondsPerDay: Int64 = 86_400_000_000

    static func formatTimestamp(microseconds: Int64, utc: Bool) -> String {
        if microseconds == .max { return "infinity" }
        if microseconds == .min { return "-infinity" }
        var days = microseconds / microsecondsPerDay
        var rest = microseconds % microsecondsPerDay
        if rest < 0 { rest += microsecondsPerDay; days -= 1 }
        return civilDate(daysSince1970: days + epochOffsetDays) + "T" + formatTime(microseconds: rest) + (utc ? "Z" : "")
    }

    static func formatDate(days: Int32) -> String {
        if days == .max { return "infinity" }
        if days == .min { return "-infinity" }
        return civilDate(daysSince1970: Int64(days) + epochOffsetDays)
    }

    /// `HH:MM:SS`, plus the fraction without trailing zeros when there is one.
    static func formatTime(microseconds: Int64) -> String {
        let seconds = microseconds / 1_000_000
        let fraction = microseconds % 1_000_000
        var text = pad(seconds / 3600, 2) + ":" + pad(seconds / 60 % 60, 2) + ":" + pad(seconds % 60, 2)
        if fraction != 0 {
            var digits = pad(fraction, 6)
            while digits.hasSuffix("0") { digits.removeLast() }
            text += "." + digits
        }
        return text
    }

    /// Proleptic Gregorian date for a day count (Howard Hinnant's civil_from_days).
    static func civilDate(daysSince1970: Int64) -> String {
        let z = daysSince1970 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        let yearText = year < 0 ? "-" + pad(-year, 4) : pad(year, 4)
        return yearText + "-" + pad(month, 2) + "-" + pad(day, 2)
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}
