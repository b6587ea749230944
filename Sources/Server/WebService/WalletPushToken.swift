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
                throw WalletPushTokenError(description: "push token must be \(AndroidPushToken.rule)")
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

struct WalletPushTokenError: Error, CustomStringConvertible {
    let description: String
}
