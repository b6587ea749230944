import Core
import Distribution
import Foundation
import GoogleWallet
import GoogleWalletMock
import Logging
import Synchronization
import TestSupport

/// What the Google Wallet suites share: one generated service account (RSA key generation is
/// slow), the issuer, a clock tests move, and the mock served over real HTTP (libcurl).
enum Fixtures {
    static let issuer = GoogleIssuerID("3388000000012345678")!
    static let email = "passline@passline-test.iam.gserviceaccount.com"

    private static let generated = Result { try MockServiceAccount.generate(email: email) }

    /// The mock's record of the account, and the account parsed from its key file.
    static func account() throws -> (mock: MockServiceAccount, account: GoogleServiceAccount) {
        let mock = try generated.get()
        return (mock, try GoogleServiceAccount(json: mock.keyFile))
    }

    static let curl = CurlHTTPClient()
    static let send: GoogleSend = { try await curl.send($0) }

    static func classID(_ key: String = "loyalty") -> GoogleWalletID { GoogleWalletID(issuer: issuer, key: key) }
    static func objectID(_ key: String) -> GoogleWalletID { GoogleWalletID(issuer: issuer, key: key) }

    static func loyaltyClass(_ key: String = "loyalty", callbackURL: String? = nil) -> GoogleLoyaltyClass {
        GoogleLoyaltyClass(
            id: classID(key), issuerName: "Шахматная школа", programName: "Клуб", programLogo: GoogleImage(uri: "https://passes.example.com/logo.png"),
            hexBackgroundColor: "#1a2b3c", localizedProgramName: GoogleLocalizedString("Клуб", language: "ru"), accountIdLabel: "Карта",
            accountNameLabel: "Владелец", textModulesData: [GoogleTextModule(header: "Правила", body: "5 % с покупки", id: "rules")],
            callbackOptions: callbackURL.map(GoogleCallbackOptions.init(url:)))
    }

    static func loyaltyObject(_ key: String, classKey: String = "loyalty", points: Int = 100) -> GoogleLoyaltyObject {
        GoogleLoyaltyObject(
            id: objectID(key), classId: classID(classKey), accountId: key, accountName: "Анна Петрова",
            loyaltyPoints: GoogleLoyaltyPoints(label: "Баллы", balance: .int(points)),
            barcode: GoogleBarcode(type: .qrCode, value: "https://passes.example.com/c/\(key)", alternateText: key))
    }

    /// A mock holding the account, served while `body` runs, with a client for it.
    static func withMock<T: Sendable>(
        clock: TestClock? = nil, registered: Bool = true, configure: (inout MockWallet) -> Void = { _ in },
        send wrap: (@Sendable (GoogleWalletMockServer, @escaping GoogleSend) -> GoogleSend)? = nil,
        _ body: @Sendable (GoogleWalletMockServer, GoogleWalletClient, GoogleWalletMockEndpoints) async throws -> T
    ) async throws -> T {
        let (mockAccount, account) = try account()
        var wallet = MockWallet(issuerID: issuer.value)
        if registered { wallet.register(mockAccount) }
        configure(&wallet)
        let mockClock: @Sendable () -> Double, clientClock: @Sendable () -> Date
        if let clock {
            (mockClock, clientClock) = ({ clock.now }, { clock.date })
        } else {
            (mockClock, clientClock) = ({ Date().timeIntervalSince1970 }, { Date() })
        }
        let mock = GoogleWalletMockServer(wallet: wallet, clock: mockClock)
        return try await mock.withRunning(logger: TestDatabase.logger) { endpoints in
            let send = wrap?(mock, Self.send) ?? Self.send
            // Deadlines a loaded host cannot break: these tests are about the wire, not the clock.
            let tokens = GoogleAccessTokens(
                account: account, tokenURL: endpoints.tokenURL, send: send, timeout: .seconds(120),
                now: clientClock)
            let client = GoogleWalletClient(apiURL: endpoints.apiURL, tokens: tokens, send: send, timeout: .seconds(120))
            return try await body(mock, client, endpoints)
        }
    }
}

extension GoogleWalletMockServer {
    /// The mock's request counts of `kinds`, in order.
    func counts(_ kinds: MockRequestKind...) -> [Int] { with { w in kinds.map { w.count($0) } } }
}

/// Seconds since 1970 that a test sets and moves, shared by the client and the mock.
final class TestClock: Sendable {
    private let seconds: Mutex<Double>

    init(_ start: Double = 1_767_225_600) { seconds = Mutex(start) }

    var now: Double { seconds.withLock { $0 } }
    var date: Date { Date(timeIntervalSince1970: now) }

    func advance(_ by: Double) { seconds.withLock { $0 += by } }
}

extension GoogleCallOutcome {
    var isOK: Bool {
        if case .ok = self { return true }
        return false
    }

    var retryReason: GoogleRetryReason? {
        if case .retryLater(let reason) = self { return reason }
        return nil
    }

    var rejection: (status: Int?, message: String)? {
        if case .rejected(let status, let message) = self { return (status, message) }
        return nil
    }
}

/// A JSON object's field at a dotted path (`programLogo.sourceUri.uri`, `uris.0.uri`).
func field(_ json: Any?, _ path: String) -> Any? {
    var current = json
    for key in path.split(separator: ".") {
        if let index = Int(key), let array = current as? [Any] {
            current = index < array.count ? array[index] : nil
        } else {
            current = (current as? [String: Any])?[String(key)]
        }
    }
    return current
}

func jsonObject(_ bytes: [UInt8]) -> Any? { try? JSONSerialization.jsonObject(with: Data(bytes)) }
