import Foundation

/// Where Android wallet apps' pushes go and the key that signs them: one value, because a URL
/// without its secret could not sign and a secret without its URL would sign nothing.
public struct AndroidWebhook: Sendable, Hashable {
    /// The shortest secret accepted: a shorter HMAC key is guessable.
    public static let minimumSecretLength = 16

    /// An http(s) URL the webhook is posted to.
    public let url: String
    /// The key for the `X-Passline-Signature` HMAC; the receiver verifies with it.
    public let secret: String

    /// - Throws: ``ServerConfiguration/Invalid`` naming the key at fault.
    public init(url: String, secret: String) throws(ServerConfiguration.Invalid) {
        guard url.hasPrefix("https://") || url.hasPrefix("http://"), URL(string: url)?.host != nil else {
            throw ServerConfiguration.Invalid(description: "PASSLINE_ANDROID_PUSH_URL=\(url): must be an http(s):// URL")
        }
        guard secret.utf8.count >= Self.minimumSecretLength else {
            throw ServerConfiguration.Invalid(description: "PASSLINE_ANDROID_PUSH_SECRET must be at least \(Self.minimumSecretLength) characters to sign PASSLINE_ANDROID_PUSH_URL's requests")
        }
        self.url = url
        self.secret = secret
    }

    /// The webhook the two keys configure: nil when neither is set; an error when only one is.
    static func configured(_ values: [String: String]) throws(ServerConfiguration.Invalid) -> AndroidWebhook? {
        switch (values["PASSLINE_ANDROID_PUSH_URL"], values["PASSLINE_ANDROID_PUSH_SECRET"]) {
        case (nil, nil): return nil
        case (let url?, let secret?): return try AndroidWebhook(url: url, secret: secret)
        default:
            throw ServerConfiguration.Invalid(description: "PASSLINE_ANDROID_PUSH_URL and PASSLINE_ANDROID_PUSH_SECRET go together: set both or neither")
        }
    }
}
