import Foundation
import PassBuilder

/// A pass in the registry.
public struct PassRecord: Sendable, Hashable {
    public var passTypeIdentifier: String
    public var serialNumber: String
    public var template: String
    public var variant: String?
    public var values: [String: JSONValue]
    /// Monotonic across all passes: a later change always has a larger tag (the web service's `lastUpdated`).
    public var updateTag: Int64
    /// Whole seconds, strictly increasing per pass, so `If-Modified-Since` never hides a change.
    public var modifiedAt: Date
    public var createdAt: Date

    public init(
        passTypeIdentifier: String, serialNumber: String, template: String, variant: String?, values: [String: JSONValue],
        updateTag: Int64, modifiedAt: Date, createdAt: Date
    ) {
        self.passTypeIdentifier = passTypeIdentifier
        self.serialNumber = serialNumber
        self.template = template
        self.variant = variant
        self.values = values
        self.updateTag = updateTag
        self.modifiedAt = modifiedAt
        self.createdAt = createdAt
    }
}

/// What identifies one version of a pass, without its values: enough to answer 304 or serve a cached signature.
public struct PassVersion: Sendable, Hashable {
    public var template: String
    public var updateTag: Int64
    public var modifiedAt: Date

    public init(template: String, updateTag: Int64, modifiedAt: Date) {
        self.template = template
        self.updateTag = updateTag
        self.modifiedAt = modifiedAt
    }
}

/// Which wallet app registered a device; Android apps are pushed elsewhere than APNs.
public enum WalletClient: String, Sendable, Hashable, CaseIterable {
    /// Apple Wallet (`Authorization: ApplePass …`).
    case apple
    /// An Android app speaking the same protocol (`Authorization: AndroidPass …`).
    case android
}

/// A device known to the registry.
public struct DeviceRecord: Sendable, Hashable {
    public var deviceLibraryIdentifier: String
    public var pushToken: String
    public var client: WalletClient
}

/// The answer to a registration request.
public enum RegistrationOutcome: Sendable, Hashable {
    /// 201: the device registered for this pass now.
    case created
    /// 200: it was already registered (its push token is updated).
    case existing
    /// The pass does not exist.
    case passNotFound
}

/// The answer to "which of my passes changed?".
public struct ChangedSerials: Sendable, Hashable {
    public var serialNumbers: [String]
    /// The largest tag among them, for the device to send back next time.
    public var lastUpdated: Int64
}
