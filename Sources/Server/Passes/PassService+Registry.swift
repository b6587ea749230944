import Foundation
import Storage

/// The registry of wallets holding passes (Apple's PassKit Web Service), as the routes use it.
extension PassService {
    /// Registers a device for a pass's pushes.
    func register(device: String, pushToken: String, client: WalletClient, passTypeIdentifier: String, serialNumber: String) async throws -> RegistrationOutcome {
        try await store.register(deviceLibraryIdentifier: device, pushToken: pushToken, client: client, passTypeIdentifier: passTypeIdentifier, serialNumber: serialNumber)
    }

    /// The device's passes of this type changed since `tag`; nil when none did.
    func changedSerials(device: String, passTypeIdentifier: String, since tag: Int64?) async throws -> ChangedSerials? {
        try await store.changedSerials(deviceLibraryIdentifier: device, passTypeIdentifier: passTypeIdentifier, since: tag)
    }

    /// The device no longer wants the pass's pushes (it goes with its last registration).
    func unregister(device: String, passTypeIdentifier: String, serialNumber: String) async throws {
        _ = try await store.unregister(deviceLibraryIdentifier: device, passTypeIdentifier: passTypeIdentifier, serialNumber: serialNumber)
    }

    /// A pass of this server's pass type, as stored.
    func pass(serialNumber: String) async throws -> PassRecord? {
        try await store.pass(passTypeIdentifier: passTypeIdentifier, serialNumber: serialNumber)
    }

    /// Throws when the database does not answer.
    func checkStorage() async throws {
        try await store.ping()
    }
}
