/// Google Wallet's side as a plain value: one issuer's loyalty classes and objects, the service
/// accounts and access tokens it accepts, the notification quota, and injected faults. It
/// answers as Google documents (https://developers.google.com/wallet/reference/rest/v1/loyaltyclass,
/// https://developers.google.com/wallet/reference/rest/v1/loyaltyobject,
/// https://developers.google.com/identity/protocols/oauth2/service-account#httprest).
/// ``GoogleWalletMockServer`` serves it over HTTP; tests can also call it directly, passing the
/// clock (seconds since 1970).
public struct MockWallet: Sendable {
    public var issuerID: String

    // MARK: OAuth

    /// Service accounts by email.
    public var serviceAccounts: [String: MockServiceAccount] = [:]
    /// `aud` values the token endpoint accepts: Google's, and the mock's own URL once it listens.
    public var tokenAudiences: Set<String> = ["https://oauth2.googleapis.com/token"]
    /// Seconds an access token lives (Google: 3600); `expires_in` says so.
    public var tokenLifetime: Double = 3600
    /// Access tokens → when they expire.
    var tokens: [String: Double] = [:]
    var tokenSerial = 0

    // MARK: Resources

    public internal(set) var classes: [String: MockJSON] = [:]
    public internal(set) var objects: [String: MockJSON] = [:]
    /// Times of each object's notifications (TEXT_AND_NOTIFY messages and notifying updates).
    public internal(set) var notifications: [String: [Double]] = [:]
    /// Google's cap: 3 notifications per object in 24 hours.
    public var notificationLimit = 3
    public var notificationWindow: Double = 86_400

    // MARK: Faults and counters

    /// While true, every request (token endpoint included) answers 503.
    public var down = false
    /// Statuses the next API requests answer, first first (before authentication is checked).
    public var apiFaults: [Int] = []
    /// Statuses the next token requests answer.
    public var tokenFaults: [Int] = []
    /// Requests received, by kind, faulted and refused ones included.
    public internal(set) var requests: [MockRequestKind: Int] = [:]

    public init(issuerID: String = "3388000000012345678") {
        self.issuerID = issuerID
    }

    /// Accepts JWTs signed by `account` from now on.
    public mutating func register(_ account: MockServiceAccount) {
        serviceAccounts[account.email] = account
    }

    /// The next `count` API requests answer `status` (429 or 503, say).
    public mutating func failNext(_ count: Int, status: Int) {
        apiFaults += Array(repeating: status, count: count)
    }

    /// Every access token issued so far stops working (Google's early expiry or a revocation):
    /// the next call with one answers 401.
    public mutating func expireTokens() {
        tokens.removeAll()
    }

    /// Access tokens valid at `now`.
    public func validTokens(now: Double) -> Int { tokens.values.filter { $0 > now }.count }

    public func count(_ kind: MockRequestKind) -> Int { requests[kind, default: 0] }

    /// The object's messages, oldest first.
    public func messages(of objectID: String) -> [MockJSON] { objects[objectID]?["messages"]?.arrayValue ?? [] }

    mutating func record(_ kind: MockRequestKind) { requests[kind, default: 0] += 1 }

    /// Takes one notification of the object's quota at `now`; false when it is spent.
    mutating func takeNotification(_ objectID: String, now: Double) -> Bool {
        var times = notifications[objectID, default: []].filter { $0 > now - notificationWindow }
        guard times.count < notificationLimit else {
            notifications[objectID] = times
            return false
        }
        times.append(now)
        notifications[objectID] = times
        return true
    }
}
