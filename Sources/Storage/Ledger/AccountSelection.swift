/// Which households (accounts) a ledger write credits or debits: what the one ledger writer is
/// given, whoever calls it. Each case writes its SQL and its binds together.
enum AccountSelection: Sendable, Hashable {
    /// One household.
    case account(Int64)
    /// A broadcast batch's targeted households, `lo < account id <= hi`.
    case broadcastBatch(BroadcastSelection, lo: Int64, hi: Int64)

    /// A condition on the `accounts` row aliased `a`.
    func condition(_ b: inout SQLBinds) -> String {
        switch self {
        case .account(let id): "a.id = \(b.add(.integer(id)))"
        case .broadcastBatch(let selection, let lo, let hi): selection.households(&b, lo: lo, hi: hi)
        }
    }

    /// A condition on the updated `accounts` row's `id`. A batch also bounds the id by its range
    /// itself, so PostgreSQL range-scans the index instead of hashing the whole table each batch.
    func updateCondition(_ b: inout SQLBinds, unless existing: String?) -> String {
        switch self {
        case .account(let id):
            return "id = \(b.add(.integer(id)))" + Self.without(existing, account: "accounts.id")
        case .broadcastBatch(_, let lo, let hi):
            let range = "id > \(b.add(.integer(lo))) AND id <= \(b.add(.integer(hi)))"
            let households = condition(&b)
            return "\(range) AND id IN (SELECT a.id FROM accounts a WHERE \(households)\(Self.without(existing, account: "a.id")))"
        }
    }

    /// Skips households that already hold an entry matching `existing` (the business key), if any.
    private static func without(_ existing: String?, account: String) -> String {
        existing.map { " AND NOT EXISTS (SELECT 1 FROM ledger_entries e WHERE e.account_id = \(account) AND \($0))" } ?? ""
    }
}
