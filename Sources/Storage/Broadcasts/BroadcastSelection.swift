import PassBuilder

/// The SQL condition picking a broadcast's households (alias `a` on `accounts`) in an id range.
struct BroadcastSelection: Sendable, Hashable {
    enum Kind: Sendable, Hashable {
        case all
        case tiers([String])
        /// Households listed in `broadcast_targets`.
        case targets
    }

    var broadcastID: Int64
    var kind: Kind

    /// Reads the kind back from the stored audience summary.
    init(broadcastID: Int64, audience: JSONValue) {
        self.broadcastID = broadcastID
        switch audience["type"]?.stringValue {
        case "all": kind = .all
        case "tiers": kind = .tiers(audience["tiers"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        default: kind = .targets
        }
    }

    init(broadcastID: Int64, kind: Kind) {
        self.broadcastID = broadcastID
        self.kind = kind
    }

    /// The audience alone, without the range and the active-card condition.
    func audience(_ b: inout SQLBinds) -> String {
        switch kind {
        case .all:
            return "1 = 1"
        case .tiers(let tiers):
            return "a.tier IN (\(tiers.map { b.add(.text($0)) }.joined(separator: ", ")))"
        case .targets:
            return "EXISTS (SELECT 1 FROM broadcast_targets t WHERE t.broadcast_id = \(b.add(.integer(broadcastID))) AND t.account_id = a.id)"
        }
    }

    /// Targeted households with `lo < a.id <= hi` that have an active card.
    func households(_ b: inout SQLBinds, lo: Int64, hi: Int64) -> String {
        "a.id > \(b.add(.integer(lo))) AND a.id <= \(b.add(.integer(hi))) AND \(audience(&b)) "
            + "AND EXISTS (SELECT 1 FROM cards ac WHERE ac.account_id = a.id AND ac.status = 'active')"
    }
}
