/// Tells one consumer that something it waits for may have happened (e.g. pushes fell due).
///
/// Signals coalesce: any number of ``notify()`` calls before the consumer looks count as one,
/// so a burst of commits costs one wake-up and memory stays constant.
public final class ChangeSignal: Sendable {
    /// The wake-ups; iterate it from one task only.
    public let notifications: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    public init() {
        (notifications, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Wakes the consumer (now or when it next waits).
    public func notify() {
        continuation.yield(())
    }
}
