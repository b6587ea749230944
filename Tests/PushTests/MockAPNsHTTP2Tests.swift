import APNsMock
import NIOHTTP2
import Testing

/// HTTP/2 behaviour curl cannot observe (stream limits, GOAWAY, refused streams), seen through a raw frame client.
@Suite("Mock APNs HTTP/2 behaviour")
struct MockAPNsHTTP2Tests {
    @Test("after a rejection the stream limit drops to 1, and an accepted push restores it")
    func streamLimitDropsAndRestores() async throws {
        let fixture = try MockFixture.get()
        let behavior = MockBehavior(scripted: [MockFixture.token: [.badDeviceToken]])
        try await withMock(fixture.certificateConfiguration(maxConcurrentStreams: 500), behavior: behavior) { mock in
            let client = try await RawHTTP2Client.connect(to: mock, fixture: fixture)
            defer { Task { await client.close() } }
            let headers = walletHeaders(topic: fixture.topic)
            client.push(streamID: 1, token: MockFixture.token, headers: headers)
            try await client.waitUntil("a rejection and the dropped limit") { $0.status(of: 1) == 400 && $0.advertisedStreamLimits.count == 2 }
            #expect(client.advertisedStreamLimits == [500, 1])
            client.push(streamID: 3, token: MockFixture.token, headers: headers)
            try await client.waitUntil("an acceptance and the restored limit") { $0.status(of: 3) == 200 && $0.advertisedStreamLimits.count == 3 }
            #expect(client.advertisedStreamLimits == [500, 1, 500])
            // A second acceptance changes nothing.
            client.push(streamID: 5, token: MockFixture.token, headers: headers)
            try await client.waitUntil("another acceptance") { $0.status(of: 5) == 200 }
            #expect(client.advertisedStreamLimits == [500, 1, 500])
        }
    }

    @Test("with dropStreamLimitAfterRejection off, the limit stays")
    func streamLimitKept() async throws {
        let fixture = try MockFixture.get()
        let behavior = MockBehavior(scripted: [MockFixture.token: [.internalServerError]], dropStreamLimitAfterRejection: false)
        try await withMock(fixture.certificateConfiguration(maxConcurrentStreams: 300), behavior: behavior) { mock in
            let client = try await RawHTTP2Client.connect(to: mock, fixture: fixture)
            defer { Task { await client.close() } }
            client.push(streamID: 1, token: MockFixture.token, headers: walletHeaders(topic: fixture.topic))
            client.push(streamID: 3, token: MockFixture.token, headers: walletHeaders(topic: fixture.topic))
            try await client.waitUntil("both answers") { $0.status(of: 1) == 500 && $0.status(of: 3) == 200 }
            #expect(client.advertisedStreamLimits == [300])
        }
    }

    @Test("goAway: GOAWAY names the previous stream, later streams go unanswered, the connection closes")
    func goAway() async throws {
        let fixture = try MockFixture.get()
        let behavior = MockBehavior(scripted: [MockFixture.otherToken: [.goAway]])
        try await withMock(fixture.certificateConfiguration(), behavior: behavior) { mock in
            let client = try await RawHTTP2Client.connect(to: mock, fixture: fixture)
            defer { Task { await client.close() } }
            let headers = walletHeaders(topic: fixture.topic)
            client.push(streamID: 1, token: MockFixture.token, headers: headers)
            try await client.waitUntil("the first answer") { $0.status(of: 1) == 200 }
            client.push(streamID: 3, token: MockFixture.otherToken, headers: headers)
            client.push(streamID: 5, token: MockFixture.token, headers: headers)
            try await client.waitUntil("GOAWAY and close") { $0.goAway != nil && $0.isClosed }
            let goAway = try #require(client.goAway)
            #expect(goAway.lastStreamID == HTTP2StreamID(1))
            #expect(goAway.code == .noError)
            #expect(goAway.debug == #"{"reason":"Shutdown"}"#)
            #expect(client.status(of: 3) == nil)
            #expect(client.status(of: 5) == nil)
            let stats = mock.stats()
            #expect(stats.goAwaysSent == 1)
            #expect(stats.accepted == 1)
            #expect(stats.protocolErrors.isEmpty, "\(stats.protocolErrors)")
        }
    }

    @Test("goAway waits for the earlier streams still in flight before closing")
    func goAwayDrainsEarlierStreams() async throws {
        let fixture = try MockFixture.get()
        let behavior = MockBehavior(latency: .milliseconds(50), scripted: [MockFixture.otherToken: [.goAway]])
        try await withMock(fixture.certificateConfiguration(), behavior: behavior) { mock in
            let client = try await RawHTTP2Client.connect(to: mock, fixture: fixture)
            defer { Task { await client.close() } }
            let headers = walletHeaders(topic: fixture.topic)
            client.push(streamID: 1, token: MockFixture.token, headers: headers)
            client.push(streamID: 3, token: MockFixture.token, headers: headers)
            client.push(streamID: 5, token: MockFixture.otherToken, headers: headers)
            try await client.waitUntil("GOAWAY and close") { $0.goAway != nil && $0.isClosed }
            #expect(client.goAway?.lastStreamID == HTTP2StreamID(3))
            #expect(client.status(of: 1) == 200)
            #expect(client.status(of: 3) == 200)
            #expect(client.status(of: 5) == nil)
        }
    }

    @Test("refuseInFlightStreamsOnDrop: the drop resets the other streams in flight with REFUSED_STREAM")
    func refuseInFlightOnDrop() async throws {
        let fixture = try MockFixture.get()
        let behavior = MockBehavior(
            latency: .milliseconds(50), scripted: [MockFixture.token: [.tooManyRequests]], refuseInFlightStreamsOnDrop: true)
        try await withMock(fixture.certificateConfiguration(), behavior: behavior) { mock in
            let client = try await RawHTTP2Client.connect(to: mock, fixture: fixture)
            defer { Task { await client.close() } }
            let headers = walletHeaders(topic: fixture.topic)
            client.push(streamID: 1, token: MockFixture.token, headers: headers)
            client.push(streamID: 3, token: MockFixture.otherToken, headers: headers)
            client.push(streamID: 5, token: MockFixture.otherToken, headers: headers)
            try await client.waitUntil("the rejection and two refusals") {
                $0.status(of: 1) == 429 && $0.reset(of: 3) != nil && $0.reset(of: 5) != nil && $0.advertisedStreamLimits.count == 2
            }
            #expect(client.reset(of: 3) == .refusedStream)
            #expect(client.reset(of: 5) == .refusedStream)
            #expect(client.advertisedStreamLimits == [1000, 1])
            client.push(streamID: 7, token: MockFixture.otherToken, headers: headers)
            try await client.waitUntil("an acceptance") { $0.status(of: 7) == 200 && $0.advertisedStreamLimits.count == 3 }
            #expect(client.advertisedStreamLimits.last == 1000)
            let stats = mock.stats()
            #expect(stats.streamsReset == 2)
            #expect(stats.byStatus == [429: 1, 200: 1])
        }
    }

    @Test("stall: the stream stays unanswered while later streams are answered")
    func stall() async throws {
        let fixture = try MockFixture.get()
        try await withMock(fixture.certificateConfiguration(), behavior: MockBehavior(scripted: [MockFixture.otherToken: [.stall]])) { mock in
            let client = try await RawHTTP2Client.connect(to: mock, fixture: fixture)
            defer { Task { await client.close() } }
            let headers = walletHeaders(topic: fixture.topic)
            client.push(streamID: 1, token: MockFixture.otherToken, headers: headers)
            client.push(streamID: 3, token: MockFixture.token, headers: headers)
            try await client.waitUntil("the later stream's answer") { $0.status(of: 3) == 200 }
            try await mock.waitUntil(timeout: .seconds(10)) { $0.stalled == 1 }
            #expect(client.status(of: 1) == nil)
            #expect(client.reset(of: 1) == nil)
            #expect(!client.isClosed)
            #expect(mock.stats().requests == 2)
        }
    }

    @Test("token mode allows one stream until a push with a valid token is accepted")
    func tokenModeStartsWithOneStream() async throws {
        let fixture = try MockFixture.get()
        let key = ProviderKey()
        try await withMock(key.configuration(fixture, maxConcurrentStreams: 700)) { mock in
            let client = try await RawHTTP2Client.connect(to: mock, fixture: fixture, clientCertificate: false)
            defer { Task { await client.close() } }
            client.push(streamID: 1, token: MockFixture.token, headers: walletHeaders(topic: fixture.topic) + [("authorization", "bearer " + (try key.token()))])
            try await client.waitUntil("the acceptance and the raised limit") { $0.status(of: 1) == 200 && $0.advertisedStreamLimits.count == 2 }
            #expect(client.advertisedStreamLimits == [1, 700])
        }
    }
}
