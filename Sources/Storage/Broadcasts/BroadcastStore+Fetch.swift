import Foundation
import PassBuilder

/// A pass version a device fetched (a 200 of the web service).
public struct PassFetch: Sendable, Hashable {
    public var passTypeIdentifier: String
    public var serialNumber: String
    public var updateTag: Int64

    public init(passTypeIdentifier: String, serialNumber: String, updateTag: Int64) {
        self.passTypeIdentifier = passTypeIdentifier
        self.serialNumber = serialNumber
        self.updateTag = updateTag
    }
}

extension BroadcastStore {
    /// A pass with its card (nil: the pass is not a card's) and the promo text of the card's
    /// latest broadcast, in one read: what a device's fetch of a changed pass needs before it
    /// is signed. Nil when there is no such pass.
    public func passWithCard(passTypeIdentifier: String, serialNumber: String) async throws -> (pass: PassRecord, card: CardRecord?, promo: String?)? {
        try await database.read { db in
            guard let row = try await db.query(
                """
                SELECT \(Self.prefixedPassColumns), \(LedgerStore.cardColumns), b.promo FROM passes p
                LEFT JOIN cards c ON c.pass_type_id = p.pass_type_id AND c.serial_number = p.serial_number
                LEFT JOIN accounts a ON a.id = c.account_id LEFT JOIN broadcasts b ON b.id = c.broadcast_id
                WHERE p.pass_type_id = $1 AND p.serial_number = $2
                """, [.text(passTypeIdentifier), .text(serialNumber)]
            ).first else { return nil }
            let pass = try RegistryStore.passRecord(row)
            let n = Self.passColumnCount
            let rest = SQLRow(columns: Array(row.columns[n...]), values: Array(row.values[n...]))
            guard rest[0] != .null else { return (pass, nil, nil) }
            return (pass, try LedgerStore.card(rest), try rest.optionalText(12, "broadcasts.promo"))
        }
    }

    /// ``RegistryStore/passColumns`` of the table aliased `p`.
    static let prefixedPassColumns = RegistryStore.passColumns.split(separator: ",").map { "p." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", ")
    static let passColumnCount = RegistryStore.passColumns.split(separator: ",").count

    /// The card of a pass with the promo text of its latest broadcast (nil: none), in one read:
    /// what the pass enricher needs on every signature.
    public func cardWithPromo(passTypeIdentifier: String, serialNumber: String) async throws -> (card: CardRecord, promo: String?)? {
        try await database.read { db in
            try await db.query(
                """
                SELECT \(LedgerStore.cardColumns), b.promo FROM cards c JOIN accounts a ON a.id = c.account_id
                LEFT JOIN broadcasts b ON b.id = c.broadcast_id WHERE c.pass_type_id = $1 AND c.serial_number = $2
                """, [.text(passTypeIdentifier), .text(serialNumber)]
            ).first.map { row in (try LedgerStore.card(row), try row.optionalText(12, "broadcasts.promo")) }
        }
    }

    /// The promo text a card's pass shows: that of the card's latest broadcast; nil when the
    /// pass is not a card's or the card never got a broadcast.
    public func promo(passTypeIdentifier: String, serialNumber: String) async throws -> String? {
        try await database.read { db in
            try await db.query(
                "SELECT b.promo FROM cards c JOIN broadcasts b ON b.id = c.broadcast_id WHERE c.pass_type_id = $1 AND c.serial_number = $2",
                [.text(passTypeIdentifier), .text(serialNumber)]
            ).first?.optionalText(0, "broadcasts.promo")
        }
    }

    /// Counts fetched passes towards their cards' broadcasts, in two statements for the whole
    /// list: a fetch counts for broadcast X when the card's latest broadcast is X and the fetched
    /// tag is newer than every tag before X started (so it is a version X stamped, or a later one).
    /// Returns the fetches counted, by broadcast.
    @discardableResult
    public func recordFetches(_ fetches: [PassFetch]) async throws -> [Int64: Int64] {
        try await recordFetches(fetches.reduce(into: [:]) { counts, fetch in counts[fetch, default: 0] += 1 })
    }

    /// Counts fetched passes as ``recordFetches(_:)-([PassFetch])`` does, `counts[f]` times each.
    @discardableResult
    public func recordFetches(_ counts: [PassFetch: Int64]) async throws -> [Int64: Int64] {
        guard !counts.isEmpty else { return [:] }
        let list = Self.json(.array(counts.map { fetch, n in
            .array([.string(fetch.passTypeIdentifier), .string(fetch.serialNumber), .integer(fetch.updateTag), .integer(n)])
        }))
        return try await database.transaction { db in
            let sql = db.dialect == .postgres
                ? """
                  SELECT c.broadcast_id, SUM((j.v->>3)::bigint) FROM jsonb_array_elements($1::jsonb) AS j(v)
                  JOIN cards c ON c.pass_type_id = j.v->>0 AND c.serial_number = j.v->>1
                  JOIN broadcasts b ON b.id = c.broadcast_id
                  WHERE (j.v->>2)::bigint > b.tag_base GROUP BY c.broadcast_id
                  """
                : """
                  SELECT c.broadcast_id, SUM(json_extract(j.value, '$[3]')) FROM json_each($1) AS j
                  JOIN cards c ON c.pass_type_id = json_extract(j.value, '$[0]') AND c.serial_number = json_extract(j.value, '$[1]')
                  JOIN broadcasts b ON b.id = c.broadcast_id
                  WHERE json_extract(j.value, '$[2]') > b.tag_base GROUP BY c.broadcast_id
                  """
            var counted: [Int64: Int64] = [:]
            for row in try await db.query(sql, [list]) {
                guard let id = row.int(0), let n = row.int(1) else { continue }
                counted[id] = n
            }
            // Ascending ids: concurrent flushes on several servers lock the rows in one order.
            for (id, n) in counted.sorted(by: { $0.key < $1.key }) {
                try await db.query("UPDATE broadcasts SET fetched = fetched + $1 WHERE id = $2", [.integer(n), .integer(id)])
            }
            return counted
        }
    }
}
