import NIOHPACK
import Push

/// The header block of one request, checked the way APNs checks it.
///
/// Checks run in this order and the first failure is the answer (Apple documents the reasons, not their order):
/// 1. `:method` POST, else 405 `MethodNotAllowed`;
/// 2. `:path` `/3/device/<token>`, else 404 `BadPath`; an empty token 400 `MissingDeviceToken`; a token that is not
///    64…200 hex digits (whole bytes) 400 `BadDeviceToken`;
/// 3. no `apns-*` header twice, else 400 `DuplicateHeaders`;
/// 4. `apns-id`, if present, a UUID, else 400 `BadMessageId`;
/// 5. authentication: in token mode the provider token (403, see ``ProviderTokenCheck``);
/// 6. `apns-topic` present, else 400 `MissingTopic`; in certificate mode equal to the certificate's pass type ID,
///    else 400 `TopicDisallowed` (403 `BadCertificate` if the certificate names none);
/// 7. `apns-push-type` one of Apple's types, else 400 `InvalidPushType`;
/// 8. `apns-priority`, if present, 1, 5 or 10, and not 10 for a `background` push, else 400 `BadPriority`;
/// 9. `apns-expiration`, if present, a decimal number, else 400 `BadExpirationDate`;
/// 10. `apns-collapse-id`, if present, at most 64 bytes, else 400 `BadCollapseId`.
struct RequestHead: Sendable, Hashable {
    /// The device token exactly as in the path.
    var token: String
    /// The request's `apns-id`, echoed in the answer.
    var apnsID: String?

    static let pathPrefix = "/3/device/"
    static let pushTypes: Set<String> = [
        "alert", "background", "location", "voip", "complication", "fileprovider", "mdm", "liveactivity",
        "pushtotalk", "widgets", "controls",
    ]
    static let maximumCollapseIDBytes = 64

    /// How the connection authenticated: decides step 5 and the topic rule of step 6.
    enum Authentication {
        /// TLS client certificate naming this pass type ID (nil: it names none).
        case certificate(topic: String?)
        /// Provider tokens, checked by this (per-connection, caching) checker.
        case token
    }

    /// Checks `headers`; `tokenCheck` is consulted in token mode only.
    static func check(
        _ headers: HPACKHeaders, authentication: Authentication, tokenCheck: inout ProviderTokenCheck, nowSeconds: Int64
    ) -> Result<RequestHead, MockRejection> {
        var method: String?
        var path: String?
        var topic: String?
        var pushType: String?
        var priority: String?
        var expiration: String?
        var apnsID: String?
        var collapseID: String?
        var authorization: String?
        var duplicate: String?

        func set(_ slot: inout String?, _ name: String, _ value: String) {
            if slot != nil, duplicate == nil { duplicate = name }
            slot = value
        }
        for header in headers {
            switch header.name {
            case ":method": method = header.value
            case ":path": path = header.value
            case "apns-topic": set(&topic, header.name, header.value)
            case "apns-push-type": set(&pushType, header.name, header.value)
            case "apns-priority": set(&priority, header.name, header.value)
            case "apns-expiration": set(&expiration, header.name, header.value)
            case "apns-id": set(&apnsID, header.name, header.value)
            case "apns-collapse-id": set(&collapseID, header.name, header.value)
            case "authorization": set(&authorization, header.name, header.value)
            default: break
            }
        }

        guard method == "POST" else {
            return .failure(MockRejection(405, "MethodNotAllowed", ":method is \(method.map { "'\($0)'" } ?? "missing"), not POST"))
        }
        guard let path, path.hasPrefix(pathPrefix) else {
            return .failure(MockRejection(404, "BadPath", ":path does not start with \(pathPrefix)"))
        }
        let token = String(path.dropFirst(pathPrefix.count))
        if token.isEmpty {
            return .failure(MockRejection(400, "MissingDeviceToken", ":path has no device token"))
        }
        if let problem = tokenProblem(token) {
            return .failure(MockRejection(400, "BadDeviceToken", "device token in :path \(problem)"))
        }
        if let duplicate {
            return .failure(MockRejection(400, "DuplicateHeaders", "header \(duplicate) appears more than once"))
        }
        if let apnsID, !isUUID(apnsID) {
            return .failure(MockRejection(400, "BadMessageId", "apns-id '\(apnsID.prefix(40))' is not a UUID"))
        }
        switch authentication {
        case .token:
            if let rejection = tokenCheck.check(authorization: authorization, nowSeconds: nowSeconds) {
                return .failure(rejection)
            }
        case .certificate(let certificateTopic):
            guard let topic else { return .failure(MockRejection(400, "MissingTopic", "apns-topic is missing")) }
            guard let certificateTopic else {
                return .failure(MockRejection(403, "BadCertificate", "the client certificate names no pass type ID (no subject UID)"))
            }
            if topic != certificateTopic {
                return .failure(MockRejection(
                    400, "TopicDisallowed", "apns-topic '\(topic.prefix(100))' is not the client certificate's '\(certificateTopic)'"))
            }
        }
        if topic == nil { return .failure(MockRejection(400, "MissingTopic", "apns-topic is missing")) }
        guard let pushType, pushTypes.contains(pushType) else {
            return .failure(MockRejection(
                400, "InvalidPushType", pushType.map { "apns-push-type '\($0.prefix(40))' is not a push type" } ?? "apns-push-type is missing"))
        }
        if let priority {
            guard priority == "10" || priority == "5" || priority == "1" else {
                return .failure(MockRejection(400, "BadPriority", "apns-priority '\(priority.prefix(20))' is not 1, 5 or 10"))
            }
            if priority == "10", pushType == "background" {
                return .failure(MockRejection(400, "BadPriority", "apns-priority 10 with apns-push-type background (must be 5 or 1)"))
            }
        }
        if let expiration, expiration.isEmpty || !expiration.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            return .failure(MockRejection(400, "BadExpirationDate", "apns-expiration '\(expiration.prefix(30))' is not a number"))
        }
        if let collapseID, collapseID.utf8.count > maximumCollapseIDBytes {
            return .failure(MockRejection(400, "BadCollapseId", "apns-collapse-id has \(collapseID.utf8.count) bytes; at most 64"))
        }
        return .success(RequestHead(token: token, apnsID: apnsID))
    }

    /// Why `token` is not a device token, or nil if it is one. Says where, never echoes the token.
    static func tokenProblem(_ token: String) -> String? {
        var count = 0
        for byte in token.utf8 {
            if !isHexDigit(byte) { return "has a non-hexadecimal character at offset \(count)" }
            count += 1
        }
        if count < PushToken.minimumLength || count > PushToken.maximumLength {
            return "has \(count) hex digits, not \(PushToken.minimumLength)…\(PushToken.maximumLength)"
        }
        if !count.isMultiple(of: 2) { return "has an odd number of hex digits (\(count))" }
        return nil
    }

    static func isHexDigit(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"), UInt8(ascii: "A")...UInt8(ascii: "F"): true
        default: false
        }
    }

    /// 8-4-4-4-12 hexadecimal digits, either case.
    static func isUUID(_ string: String) -> Bool {
        let utf8 = string.utf8
        guard utf8.count == 36 else { return false }
        for (offset, byte) in utf8.enumerated() {
            if offset == 8 || offset == 13 || offset == 18 || offset == 23 {
                if byte != UInt8(ascii: "-") { return false }
            } else if !isHexDigit(byte) {
                return false
            }
        }
        return true
    }
}
