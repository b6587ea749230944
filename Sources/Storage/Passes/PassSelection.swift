/// Which passes a change touches: what the one pass stamper, pass locker and push-due recorder
/// are given, whoever calls them. Each case writes its SQL and its binds together (into a
/// ``SQLBinds``, after the caller's own placeholders).
enum PassSelection: Sendable, Hashable {
    /// One pass.
    case pass(passTypeIdentifier: String, serialNumber: String)
    /// The passes of every card of a household (an account).
    case household(accountID: Int64)
    /// The passes of one broadcast batch: cards of the targeted households with `lo < account id <= hi`;
    /// with `activeCardsOnly`, only active cards (a broadcast without points changes no other).
    case broadcastBatch(BroadcastSelection, lo: Int64, hi: Int64, activeCardsOnly: Bool)

    /// A condition that holds for the selected passes' `(type, serial)` columns.
    func condition(_ b: inout SQLBinds, type: String = "pass_type_id", serial: String = "serial_number") -> String {
        switch self {
        case .pass(let passType, let serialNumber):
            return "\(type) = \(b.add(.text(passType))) AND \(serial) = \(b.add(.text(serialNumber)))"
        case .household(let accountID):
            return "(\(type), \(serial)) IN (SELECT pass_type_id, serial_number FROM cards WHERE account_id = \(b.add(.integer(accountID))))"
        case .broadcastBatch:
            let (from, condition) = batchCards(&b)
            return "(\(type), \(serial)) IN (SELECT c.pass_type_id, c.serial_number FROM \(from) WHERE \(condition))"
        }
    }

    /// The selected passes' registrations, as `FROM` items (the registration aliased `r`) and a
    /// condition. A broadcast batch joins its cards to the registrations directly rather than
    /// through `IN (…)`: the shape its benchmark (10,000 households a statement) was tuned on.
    func registrations(_ b: inout SQLBinds) -> (from: String, condition: String) {
        switch self {
        case .pass, .household:
            return ("registrations r", condition(&b, type: "r.pass_type_id", serial: "r.serial_number"))
        case .broadcastBatch:
            let (from, condition) = batchCards(&b)
            return ("\(from) JOIN registrations r ON r.pass_type_id = c.pass_type_id AND r.serial_number = c.serial_number", condition)
        }
    }

    /// A batch's cards (`accounts a JOIN cards c`). Besides the households' condition the card's
    /// account id is bounded by the batch's range itself, so PostgreSQL range-scans the index
    /// instead of hashing the whole table for every batch.
    private func batchCards(_ b: inout SQLBinds) -> (from: String, condition: String) {
        guard case .broadcastBatch(let selection, let lo, let hi, let activeOnly) = self else { preconditionFailure("not a batch") }
        let households = selection.households(&b, lo: lo, hi: hi)
        let range = "c.account_id > \(b.add(.integer(lo))) AND c.account_id <= \(b.add(.integer(hi)))"
        return ("accounts a JOIN cards c ON c.account_id = a.id", "\(households) AND \(range)\(activeOnly ? " AND c.status = 'active'" : "")")
    }
}
