import Core
import Crypto
import Foundation
import Storage

/// Secrets kept in the data directory: generated once, readable by the owner only.
public struct DataDirectory: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    func file(_ name: String) -> String { URL(fileURLWithPath: path).appendingPathComponent(name).path }

    /// Creates the directory (and missing parents) with mode 0700; an existing one keeps its modes.
    public func create() throws {
        try PrivateFiles.createDirectory(path)
    }

    /// Reads `name`, or writes `make()` to it (mode 0600) and returns that with `created: true`.
    ///
    /// Servers that share the directory may start together: the value is written to a temporary
    /// file and linked into place, which fails if another got there first; then its value is the
    /// one read, so every server ends with the same secret (and no one reads a half-written file).
    func readOrCreate(_ name: String, _ make: () -> String) throws -> (value: String, created: Bool) {
        let p = file(name)
        if let existing = try? String(contentsOfFile: p, encoding: .utf8) {
            return (existing.trimmingCharacters(in: .whitespacesAndNewlines), false)
        }
        try create()
        let value = make()
        let temporary = file(".\(name).\(RandomToken.hex(bytes: 8))")
        guard FileManager.default.createFile(atPath: temporary, contents: Data((value + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw DataDirectoryError(description: "\(temporary): cannot be written")
        }
        defer { unlink(temporary) }
        if link(temporary, p) == 0 { return (value, true) }
        guard errno == EEXIST, let winner = try? String(contentsOfFile: p, encoding: .utf8) else {
            throw DataDirectoryError(description: "\(p): cannot be written (errno \(errno))")
        }
        return (winner.trimmingCharacters(in: .whitespacesAndNewlines), false)
    }

    /// The secret that authentication tokens derive from (32 random bytes).
    public func secret(configured: String?) throws -> [UInt8] {
        let hex = try configured ?? readOrCreate("secret", { RandomToken.hex(bytes: 32) }).value
        guard hex.count >= 64, hex.count % 2 == 0, let bytes = Hex.decode(hex) else {
            throw DataDirectoryError(description: "the pass authentication secret must be at least 32 bytes of hex")
        }
        return bytes
    }

    /// The secret and the ones it replaced (``SecretRing``): the current one as ``secret(configured:)``
    /// reads it; the previous ones from `configuredPrevious` (comma-separated hex, oldest first),
    /// else from `secret.previous` (a line each), which ``rotateSecret()`` writes.
    public func secrets(configured: String?, configuredPrevious: String?) throws -> SecretRing {
        let current = try secret(configured: configured)
        let text = configuredPrevious ?? (try? String(contentsOfFile: file("secret.previous"), encoding: .utf8)) ?? ""
        let source = configuredPrevious == nil ? file("secret.previous") : "PASSLINE_SECRET_PREVIOUS"
        let previous = try text.split(whereSeparator: { $0 == "," || $0.isNewline }).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            .enumerated().map { i, hex in
                guard hex.count >= 64, hex.count % 2 == 0, let bytes = Hex.decode(hex) else {
                    throw DataDirectoryError(description: "\(source): secret \(i + 1) is not at least 32 bytes of hex")
                }
                return bytes
            }
        do { return try SecretRing(current: current, previous: previous) } catch {
            throw DataDirectoryError(description: "\(source): secret \(error.position) is shorter than 32 bytes")
        }
    }

    /// Rotates the data directory's secret: the current one is appended to `secret.previous`
    /// (kept for the passes already issued), and a new one is generated. Returns the new generation.
    public func rotateSecret() throws -> Int {
        let current = try secret(configured: nil)
        let previousFile = file("secret.previous")
        var previous = ((try? String(contentsOfFile: previousFile, encoding: .utf8)) ?? "").split(whereSeparator: \.isNewline).map(String.init).filter { !$0.isEmpty }
        previous.append(Hex.encode(current))
        // The list first: a crash between the two writes leaves the old secret both current and
        // previous (harmless), never lost.
        try replace(previousFile, with: previous.joined(separator: "\n") + "\n")
        try replace(file("secret"), with: RandomToken.hex(bytes: 32) + "\n")
        return previous.count
    }

    /// Writes `text` to `path` whole or not at all (a private temporary file renamed over it).
    func replace(_ path: String, with text: String) throws {
        let temporary = file(".replace.\(RandomToken.hex(bytes: 8))")
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw DataDirectoryError(description: "\(temporary): cannot be written")
        }
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            throw DataDirectoryError(description: "\(path): cannot be replaced (errno \(errno))")
        }
    }

    /// The admin API token; `created` tells the caller to print it (once).
    public func adminToken(configured: String?) throws -> (token: String, created: Bool) {
        if let configured { return (configured, false) }
        let r = try readOrCreate("admin-token", { RandomToken.hex(bytes: 24) })
        return (r.value, r.created)
    }
}

public struct DataDirectoryError: Error, CustomStringConvertible, Sendable {
    public var description: String
}
