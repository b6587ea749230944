import PostgresNIO
import Synchronization

/// Which statements PostgreSQL prepares once per connection and reuses by name.
///
/// An unnamed statement (postgres-nio's `query`) is parsed, analysed and planned by the server on
/// every call. A statement this process runs again and again (a wave's ten set-based statements,
/// a device's list request, a push claim) gets a name the second time its text is seen: from then
/// on postgres-nio prepares it once on each pooled connection and sends only Bind and Execute, and
/// after five runs PostgreSQL may keep a generic plan.
///
/// The name covers the text and the bind types (a `NULL` leaves its parameter's type to the
/// server, an integer binds `int8`), so one name always means one statement. The names are
/// bounded (``nameLimit``), and so is what is remembered to find the repeats (``seenLimit``):
/// statements whose text is made per call (an `IN` list of any length) can't fill a connection
/// with prepared statements. A limit of 0 names nothing (`prepared_statements=off`).
final class PostgresStatementNames: Sendable {
    static let defaultLimit = 256
    static let seenLimit = 4096
    let nameLimit: Int

    init(limit: Int = PostgresStatementNames.defaultLimit) {
        nameLimit = limit
    }

    private enum Entry { case seen, named(String) }
    private let entries = Mutex<[String: Entry]>([:])
    private let named = Atomic<Int>(0)

    /// The statement's name, or nil to run it unnamed (the first time it is seen, or once the
    /// limits are reached).
    func name(sql: String, types: [PostgresDataType]) -> String? {
        var key = ""
        key.reserveCapacity(sql.utf8.count + types.count * 5 + 1)
        for type in types { key += String(type.rawValue); key += "," }
        key += ";"
        key += sql
        return entries.withLock { entries -> String? in
            switch entries[key] {
            case .named(let name): return name
            case .seen:
                let count = named.load(ordering: .relaxed)
                guard count < nameLimit else { return nil }
                named.store(count + 1, ordering: .relaxed)
                let name = "passline_\(count)"
                entries[key] = .named(name)
                return name
            case nil:
                if nameLimit > 0, entries.count < Self.seenLimit { entries[key] = .seen }
                return nil
            }
        }
    }

    /// How many statements have a name.
    var count: Int { named.load(ordering: .relaxed) }
}

/// The statement postgres-nio prepares and executes by name: its text, name and bind types come
/// from the task-local ``current``, set around one `execute` call.
///
/// postgres-nio's prepared statements are types with static text; ours are made at run time.
/// `PostgresConnection.execute(_:logger:)` reads `name`, `sql` and `bindingDataTypes` once, on
/// the calling task, before it hands the statement to the connection (which keeps the values),
/// so a task-local set for the call's duration supplies them. The statement tests check that two
/// texts on one connection never mix.
struct ReusedPostgresStatement: PostgresPreparedStatement {
    struct Text: Sendable {
        var name: String
        var sql: String
        var types: [PostgresDataType]
    }
    typealias Row = PostgresRow

    @TaskLocal static var current: Text?

    static var name: String { current!.name }
    static var sql: String { current!.sql }
    static var bindingDataTypes: [PostgresDataType] { current!.types }

    let bindings: PostgresBindings

    func makeBindings() throws -> PostgresBindings { bindings }
    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}
