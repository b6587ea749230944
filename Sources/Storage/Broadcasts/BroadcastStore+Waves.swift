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
