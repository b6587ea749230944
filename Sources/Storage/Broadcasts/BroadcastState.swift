/// Where a broadcast is in its life.
///
/// ```
/// queued ──▶ running ──▶ done
///   │           ├──────▶ failed
///   └───────────┴──────▶ cancelled
/// ```
/// `done`, `failed` and `cancelled` are final. "Done" means every targeted card was updated and
/// its pushes recorded; the pushes themselves are sent by the dispatcher afterwards.
public enum BroadcastState: String, Sendable, Hashable, Codable, CaseIterable {
    case queued, running, done, cancelled, failed

    /// No transition leaves a final state.
    public var isFinal: Bool {
        switch self {
        case .queued, .running: return false
        case .done, .cancelled, .failed: return true
        }
    }

    /// Whether a broadcast in this state may move to `next`.
    public func canMove(to next: BroadcastState) -> Bool {
        switch (self, next) {
        case (.queued, .running), (.queued, .cancelled): return true
        case (.running, .done), (.running, .failed), (.running, .cancelled): return true
        default: return false
        }
    }
}
