// Reversal: the ledger is append-only, so an entry is cancelled by another with opposite points.

extension LedgerRules {
    /// The points of the entry that cancels an entry of `originalKind` with `points`: `-points`.
    ///
    /// - A reversal cannot itself be reversed (post a new entry instead), and an entry can be reversed once.
    /// - Reversing a credit must not make the balance negative: the household may have spent the points already.
    /// - An original whose points contradict its kind (``EntryKind/allows(points:)``) is refused rather than
    ///   propagated.
    /// - Throws: ``LedgerRuleError/notReversible(_:)``, ``LedgerRuleError/alreadyReversed`` or
    ///   ``LedgerRuleError/insufficientBalance(balance:requested:)`` (`requested` is the points to take back).
    public static func reversalPoints(of originalKind: EntryKind, points: Int64, alreadyReversed: Bool, balance: Int64) throws(LedgerRuleError) -> Int64 {
        guard originalKind != .reversal else { throw .notReversible("a reversal cannot be reversed") }
        guard !alreadyReversed else { throw .alreadyReversed }
        guard originalKind.allows(points: points), points != .min else {
            throw .notReversible("a \(originalKind.rawValue) entry cannot have \(points) points")
        }
        if points > 0 && points > balance { throw .insufficientBalance(balance: balance, requested: points) }
        return -points
    }
}
