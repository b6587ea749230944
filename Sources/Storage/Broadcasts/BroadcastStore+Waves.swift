import Foundation
import PassBuilder

/// A pass of a broadcast wave as it is about to be signed: the stored pass, its card (nil: not a
/// card's pass) and the promo text of the card's latest broadcast.
public struct WavePass: Sendable {
    public var pass: PassRecord
    public var card: CardRecord?
    public var promo: String?
}

extension BroadcastStore {
    /// The passes a committed wave changed that some device holds (the ones its pushes will make
    /// devices fetch), read with their cards and promo texts in one statement: what signing them
    /// ahead needs. Read after the commit, so each comes with the version devices will ask for
    /// (or a newer one, if another change landed since).
    public func passes(of wave: BroadcastWave) async throws -> [WavePass] {
        try await database.read { db in
            var b = SQLBinds()
            let condition = wave.passes.condition(&b, type: "p.pass_type_id", serial: "p.serial_number")
            let rows = try await db.query(
                """
                SELECT \(Self.prefixedPassColumns), \(LedgerStore.cardColumns), b.promo FROM passes p
                JOIN cards c ON c.pass_type_id = p.pass_type_id AND c.serial_number = p.serial_number
                JOIN accounts a ON a.id = c.account_id LEFT JOIN broadcasts b ON b.id = c.broadcast_id
                WHERE \(condition)
                    AND EXISTS (SELECT 1 FROM registrations r WHERE r.pass_type_id = p.pass_type_id AND r.serial_number = p.serial_number)
                """, b.values)
            let n = Self.passColumnCount
            return try rows.map { row in
                let rest = SQLRow(columns: Array(row.columns[n...]), values: Array(row.values[n...]))
                return WavePass(pass: try RegistryStore.passRecord(row), card: try LedgerStore.card(rest), promo: try rest.optionalText(12, "broadcasts.promo"))
            }
        }
    }
}

/// A pass's current version, as devices will be told it.
public struct CurrentVersion: Sendable, Hashable {
    public var passTypeIdentifier: String
    public var serialNumber: String
    public var version: PassVersion
}

extension BroadcastStore {
    /// The current versions of a committed wave's passes that some device holds: a light read
    /// (no values, no card), made after the wave's passes were signed, so the server can answer
    /// their devices from its caches without reading them again.
    public func currentVersions(of wave: BroadcastWave) async throws -> [CurrentVersion] {
        try await database.read { db in
            var b = SQLBinds()
            let condition = wave.passes.condition(&b, type: "p.pass_type_id", serial: "p.serial_number")
            return try await db.query(
                """
                SELECT p.pass_type_id, p.serial_number, p.template, p.update_tag, p.modified_at FROM passes p
                WHERE \(condition)
                    AND EXISTS (SELECT 1 FROM registrations r WHERE r.pass_type_id = p.pass_type_id AND r.serial_number = p.serial_number)
                """, b.values
            ).map { row in
                CurrentVersion(
                    passTypeIdentifier: try row.text(0, "passes.pass_type_id"), serialNumber: try row.text(1, "passes.serial_number"),
                    version: PassVersion(template: try row.text(2, "passes.template"), updateTag: try row.int(3, "passes.update_tag"), modifiedAt: try row.date(4, "passes.modified_at")))
            }
        }
    }
}
