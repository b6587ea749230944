import Foundation
import HTTPTypes
import NIOHTTP1
import Storage
import Synchronization

/// Pass versions as last read from the database, with the header values they make, valid while
/// the database's ``VersionEpoch`` stands still: a device fetching an unchanged pass costs no
/// database round trip (two thread hand-offs and a query, which halved the serving rate).
///
/// Any committed write moves the epoch and so empties the cache; between writes, repeated
/// fetches are hits. Bounded: emptied when it reaches `capacity` entries.
final class PassVersionCache: Sendable {
    /// What a device request needs of a version, its header values formatted once.
    struct Entry: Sendable {
        let version: PassVersion
        let lastModified: String
        let eTag: String
        /// `modifiedAt` in whole seconds, as `If-Modified-Since` compares it.
        let modifiedSecond: Int64
        /// The headers of a `200` with this version (the web service route and the fast path
        /// both send exactly these, plus what the HTTP layer adds).
        let passFields: HTTPFields
        /// The same, as NIO's HTTP/1 headers (the fast path writes those).
        let passHeaders: HTTPHeaders
        /// The pass's `authenticationToken`, derived once per entry: the fast path checks a
        /// device's token against it without computing a MAC per request.
        private let token: [UInt8]

        init(_ version: PassVersion, token: String) {
            self.version = version
            self.token = Array(token.utf8)
            lastModified = HTTPDate.format(version.modifiedAt)
            eTag = "\"\(version.updateTag)\""
            modifiedSecond = Int64(version.modifiedAt.timeIntervalSince1970.rounded(.down))
            passFields = [.contentType: "application/vnd.apple.pkpass", .lastModified: lastModified, .cacheControl: "no-cache", .eTag: eTag]
            var passHeaders = HTTPHeaders(passFields.map { ($0.name.canonicalName, $0.value) })
            passHeaders.reserveCapacity(passFields.count + 3) // + Content-Length, Date, Server
            self.passHeaders = passHeaders
        }

        /// Whether `presented` is the pass's token; constant time in its bytes.
        func accepts(_ presented: String) -> Bool {
            var presented = presented
            return presented.withUTF8 { bytes in
                guard bytes.count == token.count else { return false }
                var difference: UInt8 = 0
                for i in 0..<bytes.count { difference |= bytes[i] ^ token[i] }
                return difference == 0
            }
        }

        /// Whether a device that sent `If-Modified-Since: since` already has this version. A date
        /// later than `now` is ignored (RFC 9110 §13.1.3): the answer is the pass, never a 304.
        /// (Several changes in one second move `Last-Modified` past the clock; a device sending
        /// that back gets the pass again until the clock catches up: correct, if not cheap.)
        func isUnchanged(since: Date, now: Date = Date()) -> Bool {
            let sinceSecond = Int64(since.timeIntervalSince1970.rounded(.down))
            guard sinceSecond <= Int64(now.timeIntervalSince1970.rounded(.down)) else { return false }
            return modifiedSecond <= sinceSecond
        }
    }

    private struct Key: Hashable {
        var passTypeIdentifier: String
        var serialNumber: String
    }

    private struct State {
        var epoch: UInt64 = 0
        var entries: [Key: Entry] = [:]
    }

    private let state = Mutex(State())
    private let epoch: VersionEpoch
    private let tokens: AuthenticationTokens
    let capacity: Int

    init(epoch: VersionEpoch, tokens: AuthenticationTokens, capacity: Int = 100_000) {
        self.epoch = epoch
        self.tokens = tokens
        self.capacity = capacity
    }

    private func makeEntry(_ version: PassVersion, _ key: Key) -> Entry {
        Entry(version, token: tokens.token(passTypeIdentifier: key.passTypeIdentifier, serialNumber: key.serialNumber))
    }

    var count: Int { state.withLock { $0.entries.count } }

    /// The pass's version if cached and current; nil on a miss (never reads the database).
    func cached(passTypeIdentifier: String, serialNumber: String) -> Entry? {
        guard let seen = epoch.current else { return nil }
        let key = Key(passTypeIdentifier: passTypeIdentifier, serialNumber: serialNumber)
        return state.withLock { $0.epoch == seen ? $0.entries[key] : nil }
    }

    /// The epoch now, to read before a bulk read whose versions go to ``store(_:seen:)``; nil
    /// while nothing may be cached.
    var epochNow: UInt64? { epoch.current }

    /// Stores versions read after `seen` was taken (``epochNow``), as ``version(passTypeIdentifier:serialNumber:load:)``
    /// stores one: dropped if a write has committed since. A broadcast wave's passes, published
    /// once signed, so their devices are answered by the fast path.
    func store(_ versions: [CurrentVersion], seen: UInt64) {
        let entries = versions.map { v in
            (Key(passTypeIdentifier: v.passTypeIdentifier, serialNumber: v.serialNumber),
             makeEntry(v.version, Key(passTypeIdentifier: v.passTypeIdentifier, serialNumber: v.serialNumber)))
        }
        state.withLock { s in
            if s.epoch != seen {
                guard seen > s.epoch else { return }
                s.epoch = seen
                s.entries.removeAll(keepingCapacity: true)
            }
            guard epoch.current == seen else { return }
            if s.entries.count + entries.count > capacity { s.entries.removeAll(keepingCapacity: true) }
            for (key, entry) in entries.prefix(capacity) { s.entries[key] = entry }
        }
    }

    /// The pass's version from the cache, or from `load` (nil when there is no such pass), with
    /// what `load` read besides.
    func version<Extra>(
        passTypeIdentifier: String, serialNumber: String, load: () async throws -> (PassVersion, Extra)?
    ) async throws -> (entry: Entry, loaded: Extra?)? {
        // Read before `load`: a write committing meanwhile moves the epoch past `seen`, so what
        // `load` returns is never stored as current after that write.
        let key = Key(passTypeIdentifier: passTypeIdentifier, serialNumber: serialNumber)
        guard let seen = epoch.current else { return try await load().map { (makeEntry($0.0, key), $0.1) } }
        if let hit = state.withLock({ $0.epoch == seen ? $0.entries[key] : nil }) { return (hit, nil) }
        guard let (version, extra) = try await load() else { return nil }
        let entry = makeEntry(version, key)
        state.withLock { s in
            if s.epoch != seen {
                guard seen > s.epoch else { return } // a newer epoch was seen already: ours may be stale
                s.epoch = seen
                s.entries.removeAll(keepingCapacity: true)
            }
            if s.entries.count >= capacity { s.entries.removeAll(keepingCapacity: true) }
            s.entries[key] = entry
        }
        return (entry, extra)
    }
}
