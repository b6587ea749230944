import Push
import Storage

/// The push token a wallet registers, checked at the door by the rule of the wallet that sends it,
/// so a token the push side would refuse is a 400 now, not a 201 deleted at the first push.
enum WalletPushToken: Sendable, Hashable {
    /// `ApplePass`: an APNs device token (64–200 hex digits, whole bytes), the type APNs requests take.
    case apple(PushToken)
    /// `AndroidPass`: the app's own token, which never reaches APNs (see ``AndroidPushToken``).
    case android(AndroidPushToken)

    /// Validates `string` for `client`; the error says what is wrong, for a 400 naming `pushToken`.
    init(_ string: String, client: WalletClient) throws(WalletPushTokenError) {
        switch client {
        case .apple:
            do { self = .apple(try PushToken(string)) } catch { throw WalletPushTokenError(description: error.description) }
        case .android:
            guard let token = AndroidPushToken(string) else {
                throw WalletPushTokenError(description: "push token must be \(AndroidPushToken.lengths.lowerBound)–\(AndroidPushToken.lengths.upperBound) characters of A–Z, a–z, 0–9, ':', '-', '_', '.'")
            }
            self = .android(token)
        }
    }

    /// The form stored with the registration (an APNs token in lower case).
    var stored: String {
        switch self {
        case .apple(let token): token.hex
        case .android(let token): token.value
        }
    }
}

/// An Android wallet app's push token: the FCM registration id its backend is told about through
/// the Android webhook. Not hexadecimal, so not a ``PushToken``; bounded and limited to the
/// characters FCM ids use so it is safe to store, log and put in the webhook's JSON.
struct AndroidPushToken: Sendable, Hashable {
    static let lengths = 16...4096
    let value: String

    init?(_ string: String) {
        guard Self.lengths.contains(string.utf8.count),
              string.utf8.allSatisfy({ Self.allowed($0) })
        else { return nil }
        value = string
    }

    private static func allowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: ":"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."):
            true
        default:
            false
        }
    }
}

struct WalletPushTokenError: Error, CustomStringConvertible {
    let description: String
}
