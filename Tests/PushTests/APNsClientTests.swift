import APNsMock
import Foundation
@testable import Push
import Testing

/// The APNs client against ``MockAPNs`` over loopback TLS + HTTP/2. Serialized: these tests are
/// heavy, and in parallel they'd mostly measure CPU contention.
@Suite(.serialized) struct APNsClientTests {
    @Test func deliversWithTheWalletHeaders() async throws {
        let fixture = try ClientFixture.get()
        try await withClient(fixture) { client, mock in
            let token = pushToken(1)
            let outcome = await client.send(PushRequest(token: token, topic: fixture.topic))
            #expect(outcome == .delivered)
            let stats = mock.stats()
            // The mock checks method, path, topic against the certificate, push type, priority,
            // expiration and apns-id, and records anything wrong as a protocol error.
            #expect(stats.protocolErrors == [])
            #expect(stats.accepted == 1)
            #expect(stats.acceptedByToken == [token.hex: 1])
        }
    }

    @Test func classifiesEveryAPNsAnswer() async throws {
        let fixture = try ClientFixture.get()
        let cases: [(MockFault, PushOutcome)] = [
            (.unregistered(timestampMilliseconds: 1_700_000_000_123),
             .unregistered(since: Date(timeIntervalSince1970: 1_700_000_000.123))),
            (.badDeviceToken, .badToken(.badDeviceToken)),
            (.deviceTokenNotForTopic, .badToken(.deviceTokenNotForTopic)),
            (.tooManyRequests, .retry(.apns(status: 429, reason: .tooManyRequests))),
            (.internalServerError, .retry(.apns(status: 500, reason: .internalServerError))),
            (.serviceUnavailable, .retry(.apns(status: 503, reason: .serviceUnavailable))),
            (.badCertificate, .pauseTopic(.badCertificate)),
        ]
        var permanent: [String: MockFault] = [:]
        for (index, (fault, _)) in cases.enumerated() { permanent[pushToken(100 + index).hex] = fault }
        try await withClient(fixture, behavior: MockBehavior(permanent: permanent)) { client, mock in
            for (index, (fault, expected)) in cases.enumerated() {
                let outcome = await client.send(PushRequest(token: pushToken(100 + index), topic: fixture.topic))
                #expect(outcome == expected, "\(fault)")
            }
            // A rejection doesn't wedge the connection: the next push goes through.
            #expect(await client.send(PushRequest(token: pushToken(1), topic: fixture.topic)) == .delivered)
            #expect(mock.stats().protocolErrors == [])
        }
    }

    @Test func unknownTopicPausesWithoutSending() async throws {
        let fixture = try ClientFixture.get()
        try await withClient(fixture) { client, mock in
            let outcome = await client.send(PushRequest(token: pushToken(1), topic: "pass.not.configured"))
            #expect(outcome == .pauseTopic(.topicNotConfigured))
            #expect(mock.stats().requests == 0)
        }
    }

    @Test func stalledStreamTimesOutAndTheConnectionStaysUsable() async throws {
        let fixture = try ClientFixture.get()
        let stalled = pushToken(7)
        let behavior = MockBehavior(permanent: [stalled.hex: .stall])
        try await withClient(fixture, behavior: behavior, connections: 1, configure: { $0.requestTimeout = .seconds(1) }) { client, mock in
            // Connected first: the deadline must expire on the stalled stream, not on a TLS
            // handshake slowed down by the other suites running beside this one.
            #expect(await client.send(PushRequest(token: pushToken(9), topic: fixture.topic)) == .delivered)
            #expect(await client.send(PushRequest(token: stalled, topic: fixture.topic)) == .retry(.transport(.timedOut)))
            #expect(await client.send(PushRequest(token: pushToken(8), topic: fixture.topic)) == .delivered)
            let stats = mock.stats()
            #expect(stats.stalled == 1)
            #expect(stats.connections == 1)
            let snapshot = client.snapshot()
            #expect(snapshot.inFlight == 0 && snapshot.waiting == 0)
        }
    }

    @Test func goAwayResendsUnprocessedStreamsOnAnotherConnection() async throws {
        let fixture = try ClientFixture.get()
        let count = 400
        let trigger = pushToken(200)
        let behavior = MockBehavior(latency: .milliseconds(20), scripted: [trigger.hex: [.goAway]])
        try await withClient(fixture, behavior: behavior, connections: 2) { client, mock in
            // Both connections up first, so the GOAWAY'd one's streams have somewhere to go.
            _ = await client.send(PushRequest(token: pushToken(1), topic: fixture.topic))
            try await waitFor { client.snapshot().activeConnections == 2 }
            let outcomes = await sendAll(client, (200..<(200 + count)).map { PushRequest(token: pushToken($0), topic: fixture.topic) })
            #expect(outcomes.count == count)
            #expect(outcomes.allSatisfy { $0 == .delivered })
            let stats = mock.stats()
            #expect(stats.goAwaysSent == 1)
            #expect(stats.protocolErrors == [])
            // Exactly once per request: the unprocessed streams were re-sent, nothing twice.
            for index in 200..<(200 + count) { #expect(stats.acceptedByToken[pushToken(index).hex] == 1) }
        }
    }

    @Test func honoursTheStreamLimitDroppingToOne() async throws {
        let fixture = try ClientFixture.get()
        // Every 10th token is bad: each rejection drops the connection's limit to 1 until a success.
        var permanent: [String: MockFault] = [:]
        for index in stride(from: 300, to: 600, by: 10) { permanent[pushToken(index).hex] = .badDeviceToken }
        let behavior = MockBehavior(latency: .milliseconds(2), permanent: permanent, dropStreamLimitAfterRejection: true)
        try await withClient(fixture, behavior: behavior, connections: 1) { client, mock in
            let requests = (300..<600).map { PushRequest(token: pushToken($0), topic: fixture.topic) }
            let outcomes = await sendAll(client, requests)
            for (request, outcome) in zip(requests, outcomes) {
                let bad = permanent[request.token.hex] != nil
                #expect(outcome == (bad ? .badToken(.badDeviceToken) : .delivered))
            }
            let stats = mock.stats()
            // The mock refuses streams opened over its current limit: none means we kept to it.
            #expect(stats.streamsReset == 0)
            #expect(stats.protocolErrors == [])
            #expect(stats.accepted == 270)
        }
    }

    @Test func inFlightStreamsRefusedOnALimitDropAreResent() async throws {
        let fixture = try ClientFixture.get()
        var permanent: [String: MockFault] = [:]
        for index in stride(from: 1_300, to: 1_600, by: 25) { permanent[pushToken(index).hex] = .badDeviceToken }
        // As APNs was seen to do: a rejection refuses every other stream in flight on that connection.
        let behavior = MockBehavior(
            latency: .milliseconds(2), permanent: permanent, dropStreamLimitAfterRejection: true, refuseInFlightStreamsOnDrop: true)
        // Each of the 12 rejections may refuse a request once more: allow enough re-sends for all.
        try await withClient(fixture, behavior: behavior, connections: 2, configure: { $0.maxResendsPerRequest = 30 }) { client, mock in
            let requests = (1_300..<1_600).map { PushRequest(token: pushToken($0), topic: fixture.topic) }
            let outcomes = await sendAll(client, requests)
            for (request, outcome) in zip(requests, outcomes) {
                #expect(outcome == (permanent[request.token.hex] != nil ? .badToken(.badDeviceToken) : .delivered))
            }
            let stats = mock.stats()
            #expect(stats.streamsReset > 0)
            #expect(stats.accepted == 288)
            // Refused streams were never processed: re-sending them delivered nothing twice.
            #expect(stats.acceptedByToken.count == 288 && stats.acceptedByToken.values.allSatisfy { $0 == 1 })
        }
    }

    @Test func refusedStreamsAreResent() async throws {
        let fixture = try ClientFixture.get()
        let refused = pushToken(700)
        let behavior = MockBehavior(scripted: [refused.hex: [.resetStream]])
        try await withClient(fixture, behavior: behavior) { client, mock in
            #expect(await client.send(PushRequest(token: refused, topic: fixture.topic)) == .delivered)
            let stats = mock.stats()
            #expect(stats.streamsReset == 1)
            #expect(stats.acceptedByToken[refused.hex] == 1)
        }
    }

    @Test func reconnectsAfterACutConnection() async throws {
        let fixture = try ClientFixture.get()
        let cut = pushToken(800)
        let behavior = MockBehavior(scripted: [cut.hex: [.cutConnection]])
        try await withClient(fixture, behavior: behavior, connections: 1) { client, mock in
            // The push on the cut connection was never answered, so it is sent again once the
            // connection is back (a Wallet push is idempotent: the phone just fetches the pass).
            #expect(await client.send(PushRequest(token: cut, topic: fixture.topic)) == .delivered)
            #expect(await client.send(PushRequest(token: pushToken(801), topic: fixture.topic)) == .delivered)
            let stats = mock.stats()
            #expect(stats.connectionsCut == 1)
            #expect(stats.connections == 2)
            #expect(stats.acceptedByToken[cut.hex] == 1)
        }
    }

    @Test func manyConcurrentSendsEachGetExactlyOneOutcome() async throws {
        let fixture = try ClientFixture.get()
        let count = 5_000
        let behavior = MockBehavior(
            randomFaultRate: 0.05,
            randomFaults: [.internalServerError, .serviceUnavailable, .unregistered(timestampMilliseconds: 1), .tooManyRequests],
            seed: 42)
        // A generous deadline: this is about every send ending exactly once, not about speed (debug
        // builds on a shared machine are slow).
        try await withClient(fixture, behavior: behavior, connections: 4, configure: { $0.requestTimeout = .seconds(120) }) { client, mock in
            let requests = (0..<count).map { PushRequest(token: pushToken(10_000 + $0), topic: fixture.topic) }
            let outcomes = await sendAll(client, requests)
            #expect(outcomes.count == count)
            let delivered = outcomes.filter { $0 == .delivered }.count
            let stats = mock.stats()
            #expect(stats.accepted == delivered)
            #expect(stats.requests == count)
            #expect(delivered > count * 8 / 10)
            #expect(outcomes.allSatisfy { outcome in
                switch outcome {
                case .delivered, .unregistered, .retry(.apns): true
                default: false
                }
            })
            #expect(stats.protocolErrors == [])
            let snapshot = client.snapshot()
            #expect(snapshot.inFlight == 0 && snapshot.waiting == 0)
        }
    }

    @Test func fullQueueRefusesAtOnce() async throws {
        let fixture = try ClientFixture.get()
        let behavior = MockBehavior(latency: .milliseconds(100))
        try await withClient(fixture, mock: fixture.mockConfiguration(maxConcurrentStreams: 2), behavior: behavior, connections: 1,
                             configure: { $0.maxPendingRequests = 5 }) { client, mock in
            _ = await client.send(PushRequest(token: pushToken(1), topic: fixture.topic))
            let outcomes = await sendAll(client, (0..<40).map { PushRequest(token: pushToken(900 + $0), topic: fixture.topic) })
            let delivered = outcomes.filter { $0 == .delivered }.count
            let overloaded = outcomes.filter { $0 == .retry(.transport(.overloaded)) }.count
            #expect(delivered + overloaded == 40)
            #expect(overloaded > 0)
            #expect(delivered >= 7)  // 2 streams + 5 waiting at least
            #expect(mock.stats().accepted == delivered + 1)
        }
    }

    @Test func unreachableAPNsLosesNothingAndHoldsNothing() async throws {
        let fixture = try ClientFixture.get()
        // A privileged port nothing listens on (a freed ephemeral port could be another test's mock).
        var configuration = APNsClientConfiguration(
            url: "https://127.0.0.1:1", additionalTrustRootsPEM: fixture.identity.trustRootPEM, connectionsPerTopic: 2,
            reconnectBackoff: .init(base: .milliseconds(20), cap: .milliseconds(200)), connectionStagger: .zero)
        configuration.connection.connectTimeout = .seconds(30)
        let client = try APNsClient(configuration: configuration, credentials: [fixture.topic: try fixture.credentials()], logger: testLogger)
        let outcomes = await sendAll(client, (0..<1_000).map { PushRequest(token: pushToken($0), topic: fixture.topic) })
        #expect(outcomes.count == 1_000)
        #expect(outcomes.allSatisfy { $0 == .retry(.transport(.unreachable)) || $0 == .retry(.transport(.timedOut)) })
        let snapshot = client.snapshot()
        #expect(snapshot.inFlight == 0 && snapshot.waiting == 0)
        await client.shutdown()
    }

    @Test func shutdownCompletesInFlightSends() async throws {
        let fixture = try ClientFixture.get()
        var permanent: [String: MockFault] = [:]
        for index in 0..<10 { permanent[pushToken(index).hex] = .stall }
        let mock = try await MockAPNs.start(fixture.mockConfiguration(), behavior: MockBehavior(permanent: permanent))
        let client = try fixture.client(mock)
        let sends = Task { await sendAll(client, (0..<10).map { PushRequest(token: pushToken($0), topic: fixture.topic) }) }
        try await mock.waitUntil(timeout: .seconds(10), "10 stalled streams") { $0.stalled == 10 }
        await client.shutdown()
        let outcomes = await sends.value
        #expect(outcomes == Array(repeating: .retry(.transport(.connectionReset)), count: 10))
        #expect(await client.send(PushRequest(token: pushToken(11), topic: fixture.topic)) == .retry(.transport(.clientShutDown)))
        try await mock.shutdown()
    }

    @Test func rotatesConnectionsBeforeStreamIDsRunOut() async throws {
        let fixture = try ClientFixture.get()
        try await withClient(fixture, connections: 1, configure: {
            // 15 stream IDs per connection (1…29), replacement asked for from stream 15 on.
            $0.connection.maximumStreamID = 29
            $0.connection.rotationFraction = 0.5
        }) { client, mock in
            for index in 0..<100 {
                let outcome = await client.send(PushRequest(token: pushToken(1_000 + index), topic: fixture.topic))
                #expect(outcome == .delivered)
            }
            let stats = mock.stats()
            #expect(stats.accepted == 100)
            #expect(stats.connections >= 100 / 15)
            #expect(stats.protocolErrors == [])
        }
    }

    @Test func tokenAuthentication() async throws {
        let fixture = try ClientFixture.get()
        let key = P256Key()
        let configuration = MockAPNsConfiguration(identity: fixture.identity, tokenAuthenticationPublicKeyPEM: key.publicPEM)
        let mock = try await MockAPNs.start(configuration)
        let client = try APNsClient(
            configuration: fixture.clientConfiguration(mock),
            credentials: [fixture.topic: .token(teamID: "TEAM123456", keyID: "KEY1234567", privateKeyPEM: key.privatePEM)],
            logger: testLogger)
        let outcomes = await sendAll(client, (0..<50).map { PushRequest(token: pushToken($0), topic: fixture.topic) })
        #expect(outcomes.allSatisfy { $0 == .delivered })
        #expect(mock.stats().protocolErrors == [])
        await client.shutdown()
        try await mock.shutdown()
    }
}

/// Sends every request concurrently (one task each); outcomes in request order.
func sendAll(_ sender: some PushSender<PushToken>, _ requests: [PushRequest<PushToken>]) async -> [PushOutcome] {
    await withTaskGroup(of: (Int, PushOutcome).self) { group in
        for (index, request) in requests.enumerated() {
            group.addTask { (index, await sender.send(request)) }
        }
        var outcomes = [PushOutcome?](repeating: nil, count: requests.count)
        for await (index, outcome) in group {
            #expect(outcomes[index] == nil, "two outcomes for request \(index)")
            outcomes[index] = outcome
        }
        return outcomes.compactMap { $0 }
    }
}

/// Polls `condition` until it holds (10 s safety net).
func waitFor(_ what: String = "condition", _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now.advanced(by: .seconds(10))
    while !condition() {
        if ContinuousClock.now >= deadline { throw APNsClientTestError("timed out waiting for \(what)") }
        try await Task.sleep(for: .milliseconds(5))
    }
}

struct APNsClientTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
