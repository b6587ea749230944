import Foundation

/// An OAuth 2.0 access token for the Wallet API. Its description never shows the value, so it
/// cannot reach a log by accident.
public struct GoogleAccessToken: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The bearer value: for the `Authorization` header only.
    public let value: String
    /// When it is taken for stale: before Google's expiry, so no request carries a dying token.
    public let renewAt: Date

    public init(value: String, renewAt: Date) {
        self.value = value
        self.renewAt = renewAt
    }

    public var description: String { "GoogleAccessToken(renew at \(renewAt))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["renewAt": renewAt]) }
}
