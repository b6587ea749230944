import Core
import Crypto
import Distribution
import Foundation
import Logging
import Push

/// Tells an Android wallet app's backend that a pass changed: Android apps that speak the PassKit
/// web service register with `AndroidPass` and their push tokens mean nothing to APNs.
///
/// `POST <url>` with `{"pushToken": "…", "passTypeIdentifier": "…"}`, signed like every webhook
/// (``WebhookSignature``: `X-Passline-Signature: t=…,v1=…`) with the configured secret, and for one
/// release also `X-Passline-Signature-SHA256: sha256=<hex HMAC-SHA256 of the body>`. 2xx: delivered; 404/410: the token is dead (its registrations go); 408/429/5xx
/// and network errors: retried; any other 4xx: rejected for good. (docs/push.md)
struct AndroidWebhookSender: PushSender {
    let url: String
    let key: SymmetricKey
    let http: any OutboundHTTPClient
    let timeout: Duration

    init(url: String, key: SymmetricKey, http: any OutboundHTTPClient = CurlHTTPClient(), timeout: Duration = .seconds(10)) {
        self.url = url
        self.key = key
        self.http = http
        self.timeout = timeout
    }

    func send(_ request: PushRequest<AndroidPushToken>) async -> PushOutcome {
        let body = Array(#"{"pushToken":"\#(request.token.value)","passTypeIdentifier":\#(Self.jsonString(request.topic))}"#.utf8)
        let signer = WebhookSignature(key: key)
        let timestamp = Int64(Date().timeIntervalSince1970.rounded(.down))
        let outbound = OutboundRequest(
            method: "POST", url: url,
            headers: [
                ("Content-Type", "application/json"),
                (WebhookSignature.header, signer.sign(body, timestamp: timestamp)),
                // The format this webhook shipped with, for one more release (docs/push.md).
                (WebhookSignature.legacyHeader, signer.legacySHA256(body)),
            ],
            body: body, timeout: timeout)
        do {
            let response = try await http.send(outbound)
            switch response.status {
            case 200..<300: return .delivered
            case 404, 410: return .unregistered(since: nil)
            case 408, 429, 500..<600: return .retry(.apns(status: response.status, reason: nil))
            default: return .rejected(status: response.status, reason: nil)
            }
        } catch {
            return .retry(.transport(.connectionReset))
        }
    }

    /// A JSON string literal (pass type IDs are reverse-DNS, but quote properly anyway).
    static func jsonString(_ s: String) -> String {
        let data = (try? JSONEncoder().encode(s)) ?? Data("\"\"".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
