import Core
import Foundation
import GoogleWallet
import GoogleWalletMock
import Testing
import TestSupport

/// The REST client against the mock over HTTP: each outcome, with the mock's record of what
/// arrived.
@Suite struct ClientTests {
    @Test func insertGetAndConflict() async throws {
        try await Fixtures.withMock { mock, client, _ in
            let loyaltyClass = Fixtures.loyaltyClass(callbackURL: "https://passes.example.com/google/callback")
            let inserted = await client.insertClass(loyaltyClass)
            #expect(inserted.decoded(GoogleLoyaltyClass.self) == loyaltyClass, "Google answers with the class as stored")
            #expect(await client.insertClass(loyaltyClass) == .conflict)

            let object = Fixtures.loyaltyObject("79123456789-1")
            #expect(await client.getObject(id: object.id) == .notFound)
            #expect(await client.insertObject(object).isOK)
            #expect(await client.insertObject(object) == .conflict)
            #expect(await client.getObject(id: object.id).decoded(GoogleLoyaltyObject.self) == object)
            #expect(mock.with { $0.objects[object.id.value]?["kind"] } == .string("walletobjects#loyaltyObject"))
            #expect(mock.counts(.classInsert, .objectInsert, .objectGet) == [2, 2, 2])
        }
    }

    @Test func anObjectOfAMissingClassIsNotFound() async throws {
        try await Fixtures.withMock { mock, client, _ in
            #expect(await client.insertObject(Fixtures.loyaltyObject("1", classKey: "absent")) == .notFound)
            #expect(mock.with { $0.objects.isEmpty })
        }
    }

    @Test func aPatchReplacesOnlyTheFieldsGiven() async throws {
        try await Fixtures.withMock { mock, client, _ in
            #expect(await client.insertClass(Fixtures.loyaltyClass()).isOK)
            var object = Fixtures.loyaltyObject("card-1", points: 100)
            object.textModulesData = [GoogleTextModule(header: "Уровень", body: "Серебро", id: "tier"), GoogleTextModule(header: "Промо", body: "−10 %", id: "promo")]
            #expect(await client.insertObject(object).isOK)

            let patch = GoogleLoyaltyObjectPatch(
                loyaltyPoints: GoogleLoyaltyPoints(label: "Баллы", balance: .int(850)), textModulesData: [GoogleTextModule(header: "Уровень", body: "Золото", id: "tier")],
                notifyPreference: .notifyOnUpdate)
            let patched = try #require(await client.patchObject(id: object.id, patch).decoded(GoogleLoyaltyObject.self))
            var expected = object
            expected.loyaltyPoints?.balance = .int(850)
            expected.textModulesData = [GoogleTextModule(header: "Уровень", body: "Золото", id: "tier")]
            #expect(patched == expected, "balance and modules replaced, the rest kept, the preference not stored")
            #expect(await client.getObject(id: object.id).decoded(GoogleLoyaltyObject.self) == expected)
            #expect(mock.with { $0.notifications[object.id.value]?.count } == 1, "a notifying balance change takes from the quota")

            // A raw patch, as the server may send; an id that disagrees with the URL is refused.
            #expect(await client.patchObject(id: object.id, Array(#"{"state":"INACTIVE"}"#.utf8)).decoded(GoogleLoyaltyObject.self)?.state == .inactive)
            let other = Fixtures.objectID("card-2").value
            let refused = await client.patchObject(id: object.id, Array(#"{"id":"\#(other)"}"#.utf8))
            #expect(refused.rejection?.status == 400)
            #expect(await client.patchObject(id: Fixtures.objectID("card-9"), patch) == .notFound)
        }
    }

    @Test func anUpdateReplacesTheWholeClass() async throws {
        try await Fixtures.withMock { mock, client, _ in
            #expect(await client.insertClass(Fixtures.loyaltyClass()).isOK)
            var changed = Fixtures.loyaltyClass()
            changed.textModulesData = nil
            changed.programName = "Клуб+"
            #expect(await client.updateClass(changed).decoded(GoogleLoyaltyClass.self) == changed)
            #expect(mock.with { $0.classes[changed.id.value]?["textModulesData"] } == nil, "a PUT clears what it leaves out")
            #expect(await client.updateClass(Fixtures.loyaltyClass("absent")) == .notFound)
        }
    }

    @Test func malformedBodiesAndForeignIDsAreRejectedWithGooglesMessage() async throws {
        try await Fixtures.withMock { mock, client, _ in
            let badJSON = try #require(await client.insertClass(Array("{\"id\":".utf8)).rejection)
            #expect(badJSON.status == 400 && badJSON.message == "INVALID_ARGUMENT: Invalid JSON payload received.")

            let foreign = GoogleLoyaltyClass(
                id: GoogleWalletID(issuer: GoogleIssuerID("1111")!, key: "loyalty"), issuerName: "x", programName: "y", programLogo: GoogleImage(uri: "https://x/l.png"))
            let refused = try #require(await client.insertClass(foreign).rejection)
            #expect(refused.status == 400 && refused.message.hasPrefix("INVALID_ARGUMENT: Invalid resource ID: 1111.loyalty"))

            var approved = Fixtures.loyaltyClass()
            approved.reviewStatus = .approved
            #expect(await client.insertClass(approved).rejection?.message == "INVALID_ARGUMENT: reviewStatus must be UNDER_REVIEW or DRAFT.")
            #expect(mock.with { $0.classes.isEmpty })
        }
    }

    @Test func rateLimitsOutagesAndTransportErrorsAreRetryLater() async throws {
        try await Fixtures.withMock { mock, client, _ in
            let id = Fixtures.objectID("card-1")
            mock.with { $0.failNext(1, status: 429); $0.failNext(1, status: 503) }
            let limited = try #require(await client.getObject(id: id).retryReason)
            #expect(limited.isRateLimited && limited == .status(429, message: "RESOURCE_EXHAUSTED: Quota exceeded for quota metric 'Requests'."))
            let unavailable = try #require(await client.getObject(id: id).retryReason)
            #expect(!unavailable.isRateLimited && unavailable == .status(503, message: "UNAVAILABLE: The service is currently unavailable."))
            #expect(await client.getObject(id: id) == .notFound, "faults are used up")

            mock.with { $0.down = true }
            #expect(await client.getObject(id: id).retryReason == .status(503, message: "UNAVAILABLE: The service is currently unavailable."))
            await client.tokens.invalidate(try await client.tokens.token())
            #expect(await client.getObject(id: id).retryReason == .token(.unavailable(status: 503)), "a down mock has no token endpoint either")
            mock.with { $0.down = false }
            #expect(await client.getObject(id: id) == .notFound)
        }

        try await Fixtures.withMock { _, client, _ in
            // Nothing listens on the port a stopped mock used.
            let stopped = try await GoogleWalletMockServer().start(logger: TestDatabase.logger)
            await stopped.stop()
            let tokens = client.tokens
            let dead = GoogleWalletClient(apiURL: stopped.endpoints.apiURL, tokens: tokens, send: Fixtures.send, timeout: .seconds(60))
            let reason = try #require(await dead.getObject(id: Fixtures.objectID("x")).retryReason)
            guard case .transport(let error) = reason, error.isRetryable else {
                Issue.record("expected a transport failure, got \(reason)")
                return
            }
        }
    }

    @Test func notifyingMessagesStopAtThreePerDay() async throws {
        let clock = TestClock()
        try await Fixtures.withMock(clock: clock) { mock, client, _ in
            #expect(await client.insertClass(Fixtures.loyaltyClass()).isOK)
            let id = Fixtures.objectID("card-1")
            #expect(await client.insertObject(Fixtures.loyaltyObject("card-1")).isOK)
            func notify(_ n: Int) async -> GoogleCallOutcome {
                await client.addMessage(objectID: id, message: GoogleMessage(header: "+\(n) баллов", body: "Спасибо!", id: "accrual-\(n)", messageType: .textAndNotify))
            }
            for n in 1...3 {
                let added = await notify(n)
                #expect(added.isOK, "\(added)")
                clock.advance(3600)
            }
            let fourth = try #require(await notify(4).retryReason)
            #expect(fourth.isRateLimited && fourth.description.contains("QuotaExceeded"))
            // Google's advice: the same message as TEXT still shows on the card.
            #expect(await client.addMessage(objectID: id, message: GoogleMessage(header: "+4 баллов", body: "Спасибо!", id: "accrual-4", messageType: .text)).isOK)
            let messages = mock.with { $0.messages(of: id.value) }
            #expect(messages.compactMap { $0["id"]?.stringValue } == ["accrual-1", "accrual-2", "accrual-3", "accrual-4"])
            #expect(messages.last?["messageType"] == .string("TEXT"))

            // A day after the first, one notification is free again, not two.
            clock.advance(86_400 - 3 * 3600 + 1)
            #expect(await notify(5).isOK)
            #expect(await notify(6).retryReason?.isRateLimited == true)
            #expect(await client.addMessage(objectID: Fixtures.objectID("card-9"), message: GoogleMessage(header: "x", body: "y")) == .notFound)
            #expect(mock.counts(.addMessage) == [8])
        }
    }

    @Test func addMessageAnswersWithTheObject() async throws {
        try await Fixtures.withMock { _, client, _ in
            #expect(await client.insertClass(Fixtures.loyaltyClass()).isOK)
            #expect(await client.insertObject(Fixtures.loyaltyObject("card-1")).isOK)
            struct Answer: Decodable { var resource: GoogleLoyaltyObject }
            let message = GoogleMessage(header: "Акция", body: "Двойные баллы", id: "promo-1", messageType: .text)
            let answer = try #require(await client.addMessage(objectID: Fixtures.objectID("card-1"), message: message).decoded(Answer.self))
            #expect(answer.resource.messages == [message])
            let empty = await client.addMessage(objectID: Fixtures.objectID("card-1"), message: GoogleMessage(id: "empty"))
            #expect(empty.rejection?.status == 400)
        }
    }
}
