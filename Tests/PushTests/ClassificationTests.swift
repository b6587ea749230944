import Foundation
import Push
import Testing

@Suite struct ClassificationTests {
    static func body(_ json: String) -> [UInt8] { Array(json.utf8) }

    @Test(arguments: [
        // APNs's documented status codes and reasons (Apple: "Handling notification responses from APNs"), every one.
        (200, nil, PushOutcome.delivered),
        (400, "BadDeviceToken", .badToken(.badDeviceToken)),
        (400, "DeviceTokenNotForTopic", .badToken(.deviceTokenNotForTopic)),
        (400, "BadTopic", .pauseTopic(.badTopic)),
        (400, "MissingTopic", .pauseTopic(.missingTopic)),
        (400, "TopicDisallowed", .pauseTopic(.topicDisallowed)),
        (400, "BadPriority", .rejected(status: 400, reason: .badPriority)),
        (400, "InvalidPushType", .rejected(status: 400, reason: .invalidPushType)),
        (400, "PayloadEmpty", .rejected(status: 400, reason: .payloadEmpty)),
        (403, "BadCertificate", .pauseTopic(.badCertificate)),
        (403, "BadCertificateEnvironment", .pauseTopic(.badCertificateEnvironment)),
        (403, "InvalidProviderToken", .pauseTopic(.invalidProviderToken)),
        (403, "ExpiredProviderToken", .pauseTopic(.expiredProviderToken)),
        (403, "Forbidden", .pauseTopic(.forbidden)),
        (404, "BadPath", .rejected(status: 404, reason: .badPath)),
        (405, "MethodNotAllowed", .rejected(status: 405, reason: .methodNotAllowed)),
        (410, "Unregistered", .unregistered(since: nil)),
        (410, "ExpiredToken", .unregistered(since: nil)),
        (413, "PayloadTooLarge", .rejected(status: 413, reason: .payloadTooLarge)),
        (429, "TooManyRequests", .retry(.apns(status: 429, reason: .tooManyRequests))),
        (429, "TooManyProviderTokenUpdates", .retry(.apns(status: 429, reason: .tooManyProviderTokenUpdates))),
        (500, "InternalServerError", .retry(.apns(status: 500, reason: .internalServerError))),
        (503, "ServiceUnavailable", .retry(.apns(status: 503, reason: .serviceUnavailable))),
        (503, "Shutdown", .retry(.apns(status: 503, reason: .shutdown))),
        (400, "SomethingNew", .rejected(status: 400, reason: "SomethingNew")),
    ] as [(Int, String?, PushOutcome)])
    func table(status: Int, reason: String?, expected: PushOutcome) {
        let json = reason.map { #"{"reason":"\#($0)"}"# } ?? ""
        #expect(PushOutcome(APNsResponse(status: status, body: Self.body(json))) == expected)
    }

    @Test func unregisteredCarriesTimestamp() {
        let response = APNsResponse(status: 410, body: Self.body(#"{"reason":"Unregistered","timestamp":1700000000123}"#))
        #expect(response.timestampMilliseconds == 1_700_000_000_123)
        #expect(PushOutcome(response) == .unregistered(since: Date(timeIntervalSince1970: 1_700_000_000.123)))
    }

    @Test(arguments: [
        "", "garbage", "{", "null", "[]", #"{"reason":42}"#, #"{"reason":null}"#,
        String(repeating: "x", count: 10_000), "\u{0}\u{1}", #"{"reason":"BadDeviceToken""#,
    ])
    func garbageBodiesClassifyByStatus(body: String) {
        let bytes = Self.body(body)
        #expect(PushOutcome(APNsResponse(status: 200, body: bytes)) == .delivered)
        #expect(PushOutcome(APNsResponse(status: 410, body: bytes)) == .unregistered(since: nil))
        #expect(PushOutcome(APNsResponse(status: 403, body: bytes)) == .pauseTopic(.forbidden))
        #expect(PushOutcome(APNsResponse(status: 500, body: bytes)) == .retry(.apns(status: 500, reason: nil)))
        #expect(PushOutcome(APNsResponse(status: 503, body: bytes)) == .retry(.apns(status: 503, reason: nil)))
        #expect(PushOutcome(APNsResponse(status: 429, body: bytes)) == .retry(.apns(status: 429, reason: nil)))
        #expect(PushOutcome(APNsResponse(status: 400, body: bytes)) == .rejected(status: 400, reason: nil))
        #expect(PushOutcome(APNsResponse(status: 413, body: bytes)) == .rejected(status: 413, reason: nil))
    }

    @Test func tolerantTimestampForms() {
        #expect(APNsErrorBody(parsing: Self.body(#"{"timestamp":"1700000000000"}"#)).timestampMilliseconds == 1_700_000_000_000)
        #expect(APNsErrorBody(parsing: Self.body(#"{"timestamp":1.7e12}"#)).timestampMilliseconds == 1_700_000_000_000)
        #expect(APNsErrorBody(parsing: Self.body(#"{"timestamp":"soon","reason":"Unregistered"}"#))
            == APNsErrorBody(reason: .unregistered, timestampMilliseconds: nil))
        #expect(APNsErrorBody(parsing: Self.body(#"{"reason":"Shutdown","extra":[1,2]}"#)).reason == .shutdown)
    }

    @Test(arguments: [TransportFailure.timedOut, .connectionReset, .goAwayUnprocessed, .refusedStream])
    func transportFailuresRetry(failure: TransportFailure) {
        let outcome = PushOutcome(failure)
        #expect(outcome == .retry(.transport(failure)))
        #expect(!outcome.isFinal)
    }

    @Test func finality() {
        #expect(PushOutcome.delivered.isFinal)
        #expect(PushOutcome.rejected(status: 413, reason: nil).isFinal)
        #expect(RetryReason.apns(status: 429, reason: nil).isRateLimited)
        #expect(!RetryReason.apns(status: 503, reason: nil).isRateLimited)
    }
}
