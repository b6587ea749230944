import PassBuilder
import Storage

/// What a pass shows beyond its stored values, read when it is signed: for a loyalty card, the
/// holder, balance and tier, and the promo of its latest broadcast (``CardPassContent``).
protocol PassContent: Sendable {
    /// The pass as it is signed, read with its live values in one go; nil when there is no such pass.
    func livePass(passTypeIdentifier: String, serialNumber: String) async throws -> PassRecord?
    /// `record` with its live values filled in.
    func live(_ record: PassRecord) async throws -> PassRecord
    /// A broadcast wave's pass (read with its card and promo) as it is signed.
    func live(_ pass: WavePass) -> PassRecord
}

/// Passes that are what is stored: the passes of `/api/v1/passes` on a server without cards.
struct StoredPassContent: PassContent {
    let store: RegistryStore

    func livePass(passTypeIdentifier: String, serialNumber: String) async throws -> PassRecord? {
        try await store.pass(passTypeIdentifier: passTypeIdentifier, serialNumber: serialNumber)
    }

    func live(_ record: PassRecord) async throws -> PassRecord { record }

    func live(_ pass: WavePass) -> PassRecord { pass.pass }
}

/// Told of every pass version a device fetched (a broadcast counts its fetch-backs).
protocol PassFetchObserver: Sendable {
    func noteFetch(_ fetch: PassFetch)
}
