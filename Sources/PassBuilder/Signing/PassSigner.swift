import Foundation

/// Who a pass is issued by: both values are bound to the Pass Type ID certificate.
public struct PassIdentity: Sendable, Hashable {
    public var passTypeIdentifier: String
    public var teamIdentifier: String

    public init(passTypeIdentifier: String, teamIdentifier: String) {
        self.passTypeIdentifier = passTypeIdentifier
        self.teamIdentifier = teamIdentifier
    }
}

/// Signs a pass manifest: a detached CMS SignedData over the exact manifest.json bytes.
public protocol PassSigner: Sendable {
    /// The pass type and team the certificate is for; the builder writes them into pass.json.
    var identity: PassIdentity { get }
    /// DER-encoded detached CMS signature of `manifest`, carrying `signingTime` as a signed attribute.
    func sign(manifest: [UInt8], signingTime: Date) throws -> [UInt8]
}
