import Crypto

/// The server secret and the ones it replaced, oldest first.
///
/// What a wallet already holds was derived from the secret of its day and must keep verifying:
/// an updated pass has to carry the same `authenticationToken` (Wallet's rule), so a rotation
/// cannot re-key the passes already issued. The ring keeps every earlier secret for them — each
/// pass is bound to one generation — while everything made from now on (passes, links, sealed
/// tokens) uses the newest.
public struct SecretRing: Sendable {
    /// The secret new passes, links and sealed values use.
    public let current: [UInt8]
    /// Earlier secrets, oldest first: generation 0 is the first secret the server ever had.
    public let previous: [[UInt8]]

    public struct TooShort: Error, Sendable {
        /// 0 for the current secret, else 1 + the index of the previous one.
        public let position: Int
    }

    /// - Throws: ``TooShort`` when a secret has fewer than 32 bytes.
    public init(current: [UInt8], previous: [[UInt8]] = []) throws(TooShort) {
        guard current.count >= 32 else { throw TooShort(position: 0) }
        if let i = previous.firstIndex(where: { $0.count < 32 }) { throw TooShort(position: i + 1) }
        self.current = current
        self.previous = previous
    }

    /// The current secret's generation: how many it replaced.
    public var generation: Int { previous.count }

    /// The secret of `generation`, or nil for one this ring doesn't have.
    public func secret(generation: Int) -> [UInt8]? {
        switch generation {
        case self.generation: return current
        case 0..<self.generation: return previous[generation]
        default: return nil
        }
    }

    /// Every secret, newest first: the order to try when checking something of unknown age.
    public var newestFirst: [[UInt8]] { [current] + previous.reversed() }
}

extension SecretRing {
    /// One use's sub-keys (``KeyDerivation``), newest first: make with the first, accept any.
    public func keys(label: String) -> [SymmetricKey] {
        newestFirst.map { SymmetricKey(data: KeyDerivation.derive($0, label: label)) }
    }
}
