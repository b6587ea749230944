import Core
import Foundation
import Logging

/// Where the database is, as configured by one URL string:
///
/// - `sqlite:./data/passline.sqlite`, `sqlite:/abs/path.sqlite` (also `sqlite:///abs/path.sqlite`)
/// - `sqlite::memory:`
/// - `postgres://user:password@host:5432/dbname?sslmode=disable` (`postgresql://` too; user name and
///   password are percent-decoded; the port defaults to 5432; `sslmode` is `disable` (the default)
///   or `require`; `prepared_statements` is `on` (the default: statements run again and again are
///   prepared once per connection) or `off`, for a pooler in transaction mode that can't keep
///   them, such as PgBouncer before 1.21; IPv6 hosts go in brackets: `postgres://u@[::1]/db`)
///
/// `description` never contains the password.
public enum DatabaseURL: Sendable, Hashable {
    case sqlite(path: String)
    case sqliteMemory
    case postgres(PostgresSettings)

    /// Parses a database URL; the error names what is wrong (and never contains the password).
    public init(parsing string: String) throws(DatabaseError) {
        let trimmed = string.trimmingCharacters(in: .whitespacesAndNewlines)
        if let rest = trimmed.dropPrefix("sqlite:") {
            if rest == ":memory:" {
                self = .sqliteMemory
                return
            }
            var path = Substring(rest)
            if path.hasPrefix("//") {
                // sqlite:///abs/path — only the absolute form makes sense with a `//`.
                path = path.dropFirst(2)
                guard path.hasPrefix("/") else {
                    throw DatabaseError("Database URL 'sqlite://…' is ambiguous: write sqlite:relative/path, sqlite:/absolute/path or sqlite:///absolute/path")
                }
            }
            guard !path.isEmpty else {
                throw DatabaseError("Database URL 'sqlite:' has no file path (use sqlite:./data/passline.sqlite or sqlite::memory:)")
            }
            self = .sqlite(path: String(path))
            return
        }
        let scheme = trimmed.prefix { $0 != ":" }.lowercased()
        if scheme == "postgres" || scheme == "postgresql" {
            self = .postgres(try PostgresSettings(url: trimmed))
            return
        }
        if trimmed.isEmpty {
            throw DatabaseError("Database URL is empty (expected sqlite:PATH, sqlite::memory: or postgres://user:password@host:5432/dbname)")
        }
        // Don't echo the input: it could hold a password.
        let shownScheme = trimmed.contains(":") ? "'\(scheme):'" : "none"
        throw DatabaseError(
            "Database URL has an unsupported scheme (\(shownScheme)): expected sqlite:PATH, sqlite::memory: or postgres://user:password@host:5432/dbname")
    }

    /// The engine's SQL dialect.
    public var dialect: SQLDialect {
        switch self {
        case .sqlite, .sqliteMemory: .sqlite
        case .postgres: .postgres
        }
    }

    /// Opens the database. For a SQLite file, resolves a relative path against the current
    /// directory, creates its missing directories (0700) and makes the file private (0600, see
    /// ``PrivateFiles/prepareDatabase(_:)``) before SQLite opens it. PostgreSQL databases need
    /// `run()` running (in a task group or ServiceGroup) before they can serve queries.
    public static func open(_ url: DatabaseURL, logger: Logger) async throws -> any Database {
        switch url {
        case .sqliteMemory:
            return try await SQLiteDatabase.open(.memory, logger: logger)
        case .sqlite(let path):
            let absolute = Self.absolutePath(path)
            let directory = String(absolute[..<(absolute.lastIndex(of: "/") ?? absolute.startIndex)])
            if !directory.isEmpty { try PrivateFiles.createDirectory(directory) }
            for file in try PrivateFiles.prepareDatabase(absolute) {
                logger.warning("\(file) is readable by other users, and is not ours to change: chmod go= it to keep the database private")
            }
            return try await SQLiteDatabase.open(.file(path: absolute), logger: logger)
        case .postgres(let settings):
            return PostgresDatabase(settings: settings, logger: logger)
        }
    }

    static func absolutePath(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        let cwd = FileManager.default.currentDirectoryPath
        var relative = Substring(path)
        while relative.hasPrefix("./") { relative = relative.dropFirst(2) }
        return cwd.hasSuffix("/") ? cwd + relative : cwd + "/" + relative
    }
}

extension DatabaseURL: CustomStringConvertible, CustomDebugStringConvertible {
    /// The URL with the password replaced by `***`.
    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite:\(path)"
        case .sqliteMemory: "sqlite::memory:"
        case .postgres(let settings): settings.description
        }
    }

    public var debugDescription: String { "DatabaseURL(\(description))" }
}

/// How to reach a PostgreSQL server. `description`, `debugDescription` and reflection (`dump`)
/// hide the password.
public struct PostgresSettings: Sendable, Hashable {
    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    /// `sslmode=require`: TLS with certificate and host name verification against the system's
    /// trust roots (stricter than libpq's `require`, which verifies nothing).
    public var tls: Bool
    /// `prepared_statements=on` (the default): statements run again and again are prepared once per
    /// connection and run by name. `off` for a pooler in transaction mode that can't keep them.
    public var preparedStatements: Bool

    public init(
        host: String, port: Int = 5432, username: String, password: String? = nil, database: String, tls: Bool = false,
        preparedStatements: Bool = true
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.tls = tls
        self.preparedStatements = preparedStatements
    }

    /// Parses `postgres://` / `postgresql://` URLs.
    init(url: String) throws(DatabaseError) {
        guard let schemeEnd = url.range(of: "://") else {
            throw DatabaseError("PostgreSQL URL must start with postgres:// (e.g. postgres://user:password@host:5432/dbname)")
        }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "postgres" || scheme == "postgresql" else {
            throw DatabaseError("PostgreSQL URL must start with postgres:// or postgresql://")
        }
        var rest = url[schemeEnd.upperBound...]
        if let fragment = rest.firstIndex(of: "#") { rest = rest[..<fragment] }

        var query: Substring = ""
        if let q = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: q)...]
            rest = rest[..<q]
        }
        var path: Substring = ""
        // The authority ends at the first "/" after the last "@" (a raw "/" may appear in a password).
        let authorityEnd: Substring.Index
        if let at = rest.lastIndex(of: "@") {
            authorityEnd = rest[at...].firstIndex(of: "/") ?? rest.endIndex
        } else {
            authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        }
        path = rest[authorityEnd...]
        let authority = rest[..<authorityEnd]

        // userinfo@host:port — split at the last "@" so a raw "@" in the password still works.
        guard let at = authority.lastIndex(of: "@") else {
            throw DatabaseError("PostgreSQL URL has no user name (expected postgres://user:password@host:5432/dbname)")
        }
        let userInfo = authority[..<at]
        let hostPort = authority[authority.index(after: at)...]

        let rawUser: Substring
        let rawPassword: Substring?
        if let colon = userInfo.firstIndex(of: ":") {
            rawUser = userInfo[..<colon]
            rawPassword = userInfo[userInfo.index(after: colon)...]
        } else {
            rawUser = userInfo
            rawPassword = nil
        }
        guard let user = rawUser.percentDecoded(), !user.isEmpty else {
            throw DatabaseError(rawUser.isEmpty
                ? "PostgreSQL URL has an empty user name"
                : "PostgreSQL URL has a malformed percent-encoding in the user name")
        }
        var password: String?
        if let rawPassword {
            guard let decoded = rawPassword.percentDecoded() else {
                throw DatabaseError("PostgreSQL URL has a malformed percent-encoding in the password")
            }
            password = decoded
        }

        // Host and port.
        let host: String
        var portText: Substring?
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else {
                throw DatabaseError("PostgreSQL URL has an unterminated IPv6 host '[…'")
            }
            host = String(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
            let after = hostPort[hostPort.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw DatabaseError("PostgreSQL URL has junk after the IPv6 host: '\(after)'") }
                portText = after.dropFirst()
            }
        } else if let colon = hostPort.lastIndex(of: ":") {
            host = String(hostPort[..<colon])
            portText = hostPort[hostPort.index(after: colon)...]
        } else {
            host = String(hostPort)
        }
        guard !host.isEmpty else { throw DatabaseError("PostgreSQL URL has no host name") }
        guard host.allSatisfy({ !$0.isWhitespace && $0 != "/" && $0 != "@" }) else {
            throw DatabaseError("PostgreSQL URL has an invalid host name '\(host)'")
        }
        var port = 5432
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else {
                throw DatabaseError("PostgreSQL URL has an invalid port '\(portText)' (expected 1–65535)")
            }
            port = value
        }

        // Database.
        let rawDatabase = path.drop { $0 == "/" }
        guard !rawDatabase.isEmpty else {
            throw DatabaseError("PostgreSQL URL names no database (expected postgres://user:password@host:5432/dbname)")
        }
        guard let database = rawDatabase.percentDecoded(), !database.contains("/") else {
            throw DatabaseError("PostgreSQL URL has an invalid database name '\(rawDatabase)'")
        }

        // Query parameters.
        var tls = false
        var prepared = true
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = parts[0].percentDecoded() ?? String(parts[0])
            let value = parts.count > 1 ? (parts[1].percentDecoded() ?? String(parts[1])) : ""
            switch key.lowercased() {
            case "sslmode":
                switch value.lowercased() {
                case "disable": tls = false
                case "require": tls = true
                default:
                    throw DatabaseError("PostgreSQL URL has an unsupported sslmode '\(value)' (use disable or require)")
                }
            case "prepared_statements":
                switch value.lowercased() {
                case "on": prepared = true
                case "off": prepared = false
                default:
                    throw DatabaseError("PostgreSQL URL has an unsupported prepared_statements '\(value)' (use on or off)")
                }
            default:
                throw DatabaseError("PostgreSQL URL has an unsupported parameter '\(key)' (use sslmode or prepared_statements)")
            }
        }

        self.init(host: host, port: port, username: user, password: password, database: database, tls: tls, preparedStatements: prepared)
    }
}

extension PostgresSettings: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// `postgres://user:***@host:port/database?sslmode=…` — the password is never shown.
    public var description: String {
        let user = username.percentEncodedForURL()
        let credentials = password == nil ? user : user + ":***"
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "postgres://\(credentials)@\(shownHost):\(port)/\(database.percentEncodedForURL())?sslmode=\(tls ? "require" : "disable")\(preparedStatements ? "" : "&prepared_statements=off")"
    }

    public var debugDescription: String { "PostgresSettings(\(description))" }

    public var customMirror: Mirror {
        Mirror(self, children: [
            "host": host, "port": port, "username": username,
            "password": password == nil ? "nil" : "***",
            "database": database, "tls": tls,
        ], displayStyle: .struct)
    }
}

// MARK: - Query errors shared by both drivers

/// A statement the server (or SQLite) rejected. Thrown by both drivers, so callers can react to
/// unique violations and serialization failures the same way on either engine.
///
/// `description` holds the engine, the code (PostgreSQL's SQLSTATE, or SQLite's result code) and
/// the server's message, but not the statement, its binds or PostgreSQL's `detail` (which can
/// contain row values).
public struct DatabaseQueryError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// PostgreSQL 23505; SQLite `SQLITE_CONSTRAINT_UNIQUE`, `_PRIMARYKEY` or `_ROWID`.
        case uniqueViolation
        /// PostgreSQL 23503; SQLite `SQLITE_CONSTRAINT_FOREIGNKEY`.
        case foreignKeyViolation
        /// PostgreSQL 23502; SQLite `SQLITE_CONSTRAINT_NOTNULL`.
        case notNullViolation
        /// PostgreSQL 23514; SQLite `SQLITE_CONSTRAINT_CHECK`.
        case checkViolation
        /// PostgreSQL 40001 (serialization failure) or 40P01 (deadlock); SQLite `SQLITE_BUSY`/`SQLITE_LOCKED`
        /// (a lock held too long, e.g. by another process). Retrying the whole transaction may succeed.
        case serializationFailure
        case other
    }

    public var dialect: SQLDialect
    public var kind: Kind
    /// PostgreSQL's SQLSTATE (e.g. `23505`), or SQLite's extended result code name (e.g. `constraintUniqueFailed`).
    public var code: String
    /// The server's (or SQLite's) message.
    public var message: String
    /// PostgreSQL's detail line, if any (may contain row values; not part of `description`).
    public var detail: String?
    /// The violated constraint's name, when PostgreSQL reports it.
    public var constraint: String?

    public init(dialect: SQLDialect, kind: Kind, code: String, message: String, detail: String? = nil, constraint: String? = nil) {
        self.dialect = dialect
        self.kind = kind
        self.code = code
        self.message = message
        self.detail = detail
        self.constraint = constraint
    }

    public var isUniqueViolation: Bool { kind == .uniqueViolation }
    public var isSerializationFailure: Bool { kind == .serializationFailure }

    public var description: String {
        switch dialect {
        case .postgres: "PostgreSQL error SQLSTATE \(code): \(message)"
        case .sqlite: "SQLite error \(code): \(message)"
        }
    }
}

// MARK: - Helpers

extension String {
    fileprivate func dropPrefix(_ prefix: String) -> Substring? {
        guard let range = range(of: prefix, options: [.anchored, .caseInsensitive]) else { return nil }
        return self[range.upperBound...]
    }

    fileprivate func percentEncodedForURL() -> String { FormBody.escape(self) }
}

extension Substring {
    /// Percent-decodes (UTF-8); nil for a malformed escape or invalid UTF-8. `+` stays `+`.
    fileprivate func percentDecoded() -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count)
        var iterator = utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next().flatMap(Hex.value(of:)), let low = iterator.next().flatMap(Hex.value(of:)) else {
                    return nil
                }
                bytes.append(high << 4 | low)
            } else {
                bytes.append(byte)
            }
        }
        return String(bytes: bytes, encoding: .utf8)
    }
}
