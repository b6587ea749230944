// Who opened a download link: a device whose browser hands a .pkpass to Apple Wallet, or anything
// else (which gets a page with a QR code to scan with a phone).

/// The kind of device behind a `User-Agent`.
public enum DeviceKind: Sendable, Hashable {
    /// iPhone, iPad or iPod touch: any of their browsers opens `.pkpass` in Wallet.
    case appleWallet
    case other

    /// Classifies a `User-Agent` header. iPadOS' desktop-class Safari says "Macintosh" and so
    /// counts as `other` (it gets the page, whose button downloads the pass).
    public init(userAgent: String?) {
        guard let ua = userAgent else { self = .other; return }
        let apple = ["iPhone", "iPad", "iPod"].contains { ua.contains($0) }
        self = apple ? .appleWallet : .other
    }
}
