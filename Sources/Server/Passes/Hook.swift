/// A closure set once at start and called on hot paths, boxed in a class.
///
/// Why the box: a bare closure kept in a `Mutex` is re-abstracted each time `withLock` hands
/// it out and takes it back (generic `inout`), so every call wrapped it in two more thunks, and
/// calling it got slower with every request served (a third of the CPU after 6,000 fetches in
/// bench-broadcast.sh). A class reference passes through generics untouched.
final class Hook<Input: Sendable, Output: Sendable>: Sendable {
    let call: @Sendable (Input) async throws -> Output

    init(_ call: @escaping @Sendable (Input) async throws -> Output) {
        self.call = call
    }
}

/// A synchronous observer, boxed for the same reason as ``Hook``.
final class Observer<Value: Sendable>: Sendable {
    let call: @Sendable (Value) -> Void

    init(_ call: @escaping @Sendable (Value) -> Void) {
        self.call = call
    }
}
