import Core
import Logging
import Synchronization
import Testing
import TestSupport

@testable import Push

/// An in-memory outbox with the database outbox's contract: exclusive claims, due times, settle.
final class MemoryOutbox: PushOutbox {
    struct Row { var push: OutboxPush; var dueAt: ContinuousClock.Instant; var claimed: Bool }
    private let state = Mutex<(rows: [String: Row], finals: [String: [FinalOutcome]], settles: Int)>(([:], [:], 0))

    func add(_ push: OutboxPush) {
        state.withLock { $0.rows[push.token + push.topic] = Row(push: push, dueAt: .now, claimed: false) }
    }

    func claim(limit: Int, excluding: Set<String>) async throws -> [OutboxPush] {
        state.withLock { s in
            let now = ContinuousClock.now
            let due = s.rows.filter { !$0.value.claimed && $0.value.dueAt <= now && !excluding.contains($0.value.push.topic) }.prefix(limit)
            for key in due.map(\.key) { s.rows[key]?.claimed = true }
            return due.map(\.value.push)
        }
    }

    func settle(_ results: [(OutboxPush, PushResolution)]) async throws {
        state.withLock { s in
            s.settles += 1
            for (push, resolution) in results {
                let key = push.token + push.topic
                switch resolution {
                case .finished(let final):
                    s.rows[key] = nil
                    s.finals[key, default: []].append(final)
                case .retry(let after, let attempts):
                    var p = push
                    p.attempts = attempts
                    s.rows[key] = Row(push: p, dueAt: .now.advanced(by: after), claimed: false)
                case .deferred(let after):
                    s.rows[key] = Row(push: push, dueAt: .now.advanced(by: after), claimed: false)
                }
            }
        }
    }

    var finals: [String: [FinalOutcome]] { state.withLock { $0.finals } }
    var pending: Int { state.withLock { $0.rows.count } }
}

/// A sender answering from a script per token (then `fallback`), counting what it was sent.
final class ScriptedSender<Token: Sendable & Hashable & CustomStringConvertible>: PushSender {
    private let state = Mutex<(script: [String: [PushOutcome]], sent: [String: Int], inFlight: Int, maxInFlight: Int)>(([:], [:], 0, 0))
    let fallback: @Sendable (PushRequest<Token>) -> PushOutcome
    let delay: Duration

    init(script: [String: [PushOutcome]] = [:], delay: Duration = .zero, fallback: @escaping @Sendable (PushRequest<Token>) -> PushOutcome = { _ in .delivered }) {
        self.fallback = fallback
        self.delay = delay
        state.withLock { $0.script = script }
    }

    func send(_ request: PushRequest<Token>) async -> PushOutcome {
        let scripted = state.withLock { s -> PushOutcome? in
            s.sent[request.token.description, default: 0] += 1
            s.inFlight += 1
            s.maxInFlight = max(s.maxInFlight, s.inFlight)
            guard var list = s.script[request.token.description], !list.isEmpty else { return nil }
            let first = list.removeFirst()
            s.script[request.token.description] = list
            return first
        }
        if delay > .zero { try? await Task.sleep(for: delay) }
        state.withLock { $0.inFlight -= 1 }
        return scripted ?? fallback(request)
    }

    var sent: [String: Int] { state.withLock { $0.sent } }
    var maxInFlight: Int { state.withLock { $0.maxInFlight } }
}

final class RecordingObserver: PushObserver {
    private let state = Mutex<(finished: Int, paused: [String])>((0, []))
    func attempted(_ outcome: PushOutcome, wallet: WalletKind) {}
    func finished(_ outcome: FinalOutcome, wallet: WalletKind) { state.withLock { $0.finished += 1 } }
    func topicPaused(_ topic: String, reason: APNsReason, for duration: Duration) { state.withLock { $0.paused.append(topic) } }
    func outboxFailed(_ error: any Error) {}
    var finished: Int { state.withLock { $0.finished } }
    var paused: [String] { state.withLock { $0.paused } }
}

@Suite struct DispatcherTests {
    static let logger = Logger(label: "dispatcher-test")
    static let topic = "pass.test.dispatch"

    static func token(_ i: Int) -> String {
        let hex = String(i, radix: 16)
        return String(repeating: "0", count: 64 - hex.count) + hex
    }

    static func fastConfiguration() -> PushDispatcherConfiguration {
        var c = PushDispatcherConfiguration()
        c.pollInterval = .milliseconds(5)
        c.settleInterval = .milliseconds(2)
        c.retryPolicy = RetryPolicy(base: .milliseconds(2), cap: .milliseconds(10), maxAttempts: 4, rateLimitedMinimum: .milliseconds(5))
        return c
    }

    /// Runs the dispatcher until `done` holds (or a generous safety timeout passes), then stops it.
    static func run(_ dispatcher: PushDispatcher, until done: @escaping @Sendable () -> Bool) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await dispatcher.run() }
            let deadline = ContinuousClock.now.advanced(by: .seconds(60))
            while !done() && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
            group.cancelAll()
        }
    }

    @Test func everyPushIsDeliveredOnceAndSettled() async throws {
        let outbox = MemoryOutbox()
        for i in 0..<2_000 { outbox.add(OutboxPush(token: Self.token(i), topic: Self.topic, wallet: .apple)) }
        let sender = ScriptedSender<PushToken>()
        var configuration = Self.fastConfiguration()
        configuration.maxInFlight = 64
        let dispatcher = PushDispatcher(outbox: outbox, apple: sender, android: nil, configuration: configuration, logger: Self.logger)
        try await Self.run(dispatcher) { outbox.pending == 0 }
        #expect(outbox.pending == 0)
        #expect(outbox.finals.count == 2_000 && outbox.finals.values.allSatisfy { $0 == [.delivered] })
        #expect(sender.sent.count == 2_000 && sender.sent.values.allSatisfy { $0 == 1 })
        #expect(sender.maxInFlight <= 64, "in-flight sends are bounded")
    }

    @Test func injectedFailuresOfEveryKindEndInExactlyOneOutcomeEach() async throws {
        let outbox = MemoryOutbox()
        let kinds: [PushOutcome] = [
            .retry(.apns(status: 429, reason: .tooManyRequests)), .retry(.apns(status: 500, reason: .internalServerError)),
            .retry(.apns(status: 503, reason: .serviceUnavailable)), .retry(.transport(.timedOut)), .retry(.transport(.connectionReset)),
            .retry(.transport(.goAwayUnprocessed)), .unregistered(since: nil), .badToken(.badDeviceToken),
            .rejected(status: 413, reason: .payloadTooLarge),
        ]
        var generator = SplitMix64(seed: 42)
        var script: [String: [PushOutcome]] = [:]
        let count = 1_000
        for i in 0..<count {
            let token = Self.token(i)
            outbox.add(OutboxPush(token: token, topic: Self.topic, wallet: .apple))
            // 10% of attempts fail, of every kind; some pushes fail more than once.
            var list: [PushOutcome] = []
            while Double(generator.next() % 1_000) / 1_000 < 0.1 && list.count < 5 {
                list.append(kinds[Int(generator.next() % UInt64(kinds.count))])
            }
            script[token] = list
        }
        let sender = ScriptedSender<PushToken>(script: script)
        let observer = RecordingObserver()
        let dispatcher = PushDispatcher(
            outbox: outbox, apple: sender, android: nil, configuration: Self.fastConfiguration(), observer: observer, logger: Self.logger)
        try await Self.run(dispatcher) { outbox.pending == 0 }
        let finals = outbox.finals
        #expect(finals.count == count, "every push has a final outcome")
        #expect(finals.values.allSatisfy { $0.count == 1 }, "and exactly one")
        #expect(observer.finished == count, "counted once each")
        for (token, list) in script {
            let final = try #require(finals[token + Self.topic]?.first)
            let retries = list.prefix { !$0.isFinal }.count
            if retries >= 4 {
                guard case .failed(let attempts, _) = final else { Issue.record("\(token): expected failed, got \(final)"); continue }
                #expect(attempts == 4 && sender.sent[token] == 4, "gave up after the policy's attempts")
            } else if retries < list.count {
                #expect(sender.sent[token] == retries + 1, "a final answer stops the attempts")
                #expect(final != .delivered)
            } else {
                #expect(final == .delivered, "\(token) recovered after \(retries) transient failures")
                #expect(sender.sent[token] == retries + 1)
            }
        }
    }

    @Test func malformedTokensNeverReachTheSenderAndAndroidNeverReachesAPNs() async throws {
        let outbox = MemoryOutbox()
        outbox.add(OutboxPush(token: "not-hex", topic: Self.topic, wallet: .apple))
        // Android wallet apps register FCM ids, which are no APNs tokens; each is checked by its own rule.
        let fcm = ["cXyZ0123:APA91bHun4MxP5egoKMwt2KZ-FBaFUH_1RYqx", "eF9876-ab:APA91bE.rest_of_the_id"]
        outbox.add(OutboxPush(token: fcm[0], topic: Self.topic, wallet: .android))
        outbox.add(OutboxPush(token: fcm[1], topic: Self.topic, wallet: .android))
        outbox.add(OutboxPush(token: "not an fcm id", topic: Self.topic, wallet: .android))
        let apple = ScriptedSender<PushToken>()
        let android = ScriptedSender<AndroidPushToken>()
        let dispatcher = PushDispatcher(outbox: outbox, apple: apple, android: android, configuration: Self.fastConfiguration(), logger: Self.logger)
        try await Self.run(dispatcher) { outbox.pending == 0 }
        #expect(apple.sent.isEmpty, "nothing reached APNs")
        #expect(android.sent.keys.sorted() == fcm.sorted())
        #expect(outbox.finals["not-hex" + Self.topic] == [.badToken(.badDeviceToken)], "the bad token's registrations go")
        #expect(outbox.finals["not an fcm id" + Self.topic] == [.badToken(.badDeviceToken)])

        let unsent = MemoryOutbox()
        unsent.add(OutboxPush(token: Self.token(3), topic: Self.topic, wallet: .android))
        let noAndroid = PushDispatcher(outbox: unsent, apple: apple, android: nil, configuration: Self.fastConfiguration(), logger: Self.logger)
        try await Self.run(noAndroid) { unsent.pending == 0 }
        #expect(unsent.finals[Self.token(3) + Self.topic] == [.rejected(status: 501, reason: "AndroidSenderNotConfigured")])
        #expect(apple.sent.isEmpty)
    }

    @Test func refusedCredentialsPauseThePassTypeWithoutLosingPushes() async throws {
        let outbox = MemoryOutbox()
        for i in 0..<20 { outbox.add(OutboxPush(token: Self.token(i), topic: Self.topic, wallet: .apple)) }
        outbox.add(OutboxPush(token: Self.token(99), topic: "pass.other", wallet: .apple))
        let sender = ScriptedSender<PushToken> { request in
            request.topic == Self.topic ? .pauseTopic(.badCertificate) : .delivered
        }
        let observer = RecordingObserver()
        var configuration = Self.fastConfiguration()
        configuration.maxInFlight = 1
        configuration.pausePeriod = .seconds(3_600)
        let dispatcher = PushDispatcher(outbox: outbox, apple: sender, android: nil, configuration: configuration, observer: observer, logger: Self.logger)
        try await Self.run(dispatcher) { outbox.finals.count == 1 && dispatcher.isPaused(Self.topic) }
        #expect(dispatcher.isPaused(Self.topic) && !dispatcher.isPaused("pass.other"))
        #expect(observer.paused == [Self.topic], "one alert")
        #expect(outbox.finals.keys.sorted() == [Self.token(99) + "pass.other"], "the other pass type still delivers")
        #expect(outbox.pending == 20, "the paused type's pushes wait in the outbox")
        #expect(sender.sent.filter { $0.key != Self.token(99) }.values.reduce(0, +) <= 2, "no burning through the queue")
    }

    @Test func anUnreachableAPNsUsesUpNoAttempts() {
        var generator = SplitMix64(seed: 1)
        let resolver = PushResolver(policy: RetryPolicy(maxAttempts: 1))
        let push = OutboxPush(token: Self.token(1), topic: Self.topic, wallet: .apple, attempts: 0)
        for failure in [TransportFailure.unreachable, .overloaded, .clientShutDown] {
            #expect(resolver.resolve(push, after: .retry(.transport(failure)), pause: .seconds(1), now: .now, using: &generator)
                == .deferred(after: PushResolver.unsentDelay), "never sent: however long the outage, no attempt is used")
        }
        guard case .finished(.failed) = resolver.resolve(push, after: .retry(.transport(.timedOut)), pause: .seconds(1), now: .now, using: &generator) else {
            Issue.record("a push that was sent and timed out uses an attempt")
            return
        }
    }

    @Test func aWakeSendsWithoutWaitingForThePoll() async throws {
        let outbox = MemoryOutbox()
        let sender = ScriptedSender<PushToken>()
        var configuration = Self.fastConfiguration()
        configuration.pollInterval = .seconds(3_600)
        let dispatcher = PushDispatcher(outbox: outbox, apple: sender, android: nil, configuration: configuration, logger: Self.logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await dispatcher.run() }
            try await Task.sleep(for: .milliseconds(50)) // idle: the first claim found nothing
            outbox.add(OutboxPush(token: Self.token(7), topic: Self.topic, wallet: .apple))
            dispatcher.wake()
            let deadline = ContinuousClock.now.advanced(by: .seconds(30))
            while outbox.pending > 0 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
            group.cancelAll()
        }
        #expect(outbox.finals[Self.token(7) + Self.topic] == [.delivered], "sent after the wake, long before the hour-long poll")
    }

    @Test func pacingSpacesPushes() {
        var bucket = TokenBucket(rate: 100, burst: 1)
        let start = ContinuousClock.now
        #expect(bucket.take(now: start) == .zero)
        #expect(bucket.take(now: start) == .milliseconds(10), "the next token is 1/rate away")
        #expect(bucket.take(now: start) == .milliseconds(20))
        #expect(bucket.take(now: start.advanced(by: .seconds(10))) == .zero, "idle refills")
        #expect(bucket.take(now: start.advanced(by: .seconds(10))) == .milliseconds(10), "but only up to the burst")
    }
}
