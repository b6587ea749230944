import Foundation
import NIOCore
import NIOHTTP1
import PassBuilder
import Synchronization
import X509

/// A fleet of simulated phones for the seeded devices: each push the mock APNs accepts makes its
/// device do what iOS does on a pass update push — ask the web service which of its passes
/// changed since the tag it last got (`GET /v1/devices/…/registrations/…?passesUpdatedSince=`),
/// then fetch each one with `If-Modified-Since` — over keep-alive connections, a bounded number
/// at once, each request with a deadline. A request that fails or times out is counted and the
/// device gives up until its next push, as a phone would.
///
/// A sample of the fetched passes is verified (signature, manifest, and an expected text), so a
/// benchmark knows the devices got the new card, not just an answer.
public final class DeviceFleet: Sendable {
    public struct Options: Sendable {
        /// Devices syncing at once, each on its own keep-alive connection.
        public var connections = 64
        /// How long a device waits for one answer.
        public var timeout: Duration = .seconds(30)
        /// Every n-th fetched pass is verified (0: none).
        public var sampleEvery = 1_000
        /// Text a verified pass must contain somewhere in its pass.json (the broadcast's message).
        public var expectedText: String?
        /// Roots the sampled passes' certificate chains must lead to (empty: the chain is not checked).
        public var trustRoots: [Certificate] = []

        public init() {}
    }

    public let manifest: FleetManifest
    let server: FleetServer
    let options: Options
    private let state: Mutex<State>

    private struct State {
        /// Devices waiting to sync, in push order (a ring: `head` is the next).
        var queue: [Int32] = []
        var head = 0
        var queued: [Bool]
        var synced: [Bool]
        var syncing = 0
        /// The `lastUpdated` each device got, and the `Last-Modified` of its pass.
        var lastUpdated: [String?]
        var lastModified: [String?]
        var waiters: [CheckedContinuation<Int?, Never>] = []
        var stopped = false
        var stats = FleetStats()
        var fetchCount = 0

        var waiting: Int { queue.count - head }

        mutating func pop() -> Int? {
            guard head < queue.count else { return nil }
            let d = Int(queue[head])
            head += 1
            if head > 4_096, head * 2 > queue.count {
                queue.removeFirst(head)
                head = 0
            }
            queued[d] = false
            syncing += 1
            return d
        }
    }

    public init(manifest: FleetManifest, server: FleetServer, options: Options = Options()) {
        self.manifest = manifest
        self.server = server
        self.options = options
        let n = manifest.devices + 1
        state = Mutex(State(queued: Array(repeating: false, count: n), synced: Array(repeating: false, count: n),
                            lastUpdated: Array(repeating: nil, count: n), lastModified: Array(repeating: nil, count: n)))
    }

    /// The mock accepted a push to `token`: its device will sync (once, however many pushes
    /// arrive before it starts; a push during a sync makes another after it, as on iOS).
    public func pushed(token: String) {
        let device = manifest.device(pushToken: token)
        // Handed to a waiting worker under the same lock, so no other worker can take it between.
        let handoff: (CheckedContinuation<Int?, Never>, Int)? = state.withLock { s in
            s.stats.pushes += 1
            guard let d = device else {
                s.stats.unknownDevices += 1
                return nil
            }
            guard !s.queued[d] else { return nil }
            s.queued[d] = true
            s.queue.append(Int32(d))
            guard !s.waiters.isEmpty, let next = s.pop() else { return nil }
            return (s.waiters.removeLast(), next)
        }
        if let (waiter, d) = handoff { waiter.resume(returning: d) }
    }

    public var stats: FleetStats {
        state.withLock { s in
            var stats = s.stats
            stats.pending = s.waiting + s.syncing
            return stats
        }
    }

    /// Runs the devices until the task is cancelled.
    public func run() async {
        await withTaskCancellationHandler {
            await withDiscardingTaskGroup { group in
                for _ in 0..<max(1, options.connections) {
                    group.addTask { await self.worker() }
                }
            }
        } onCancel: {
            let waiters = state.withLock { s in
                s.stopped = true
                defer { s.waiters = [] }
                return s.waiters
            }
            for waiter in waiters { waiter.resume(returning: nil) }
        }
    }

    /// The next device to sync; nil when stopping.
    private func next() async -> Int? {
        enum Take { case device(Int), wait, stop }
        let take: Take = state.withLock { s in
            if s.stopped { return .stop }
            return s.pop().map(Take.device) ?? .wait
        }
        switch take {
        case .device(let d): return d
        case .stop: return nil
        case .wait:
            return await withCheckedContinuation { (waiter: CheckedContinuation<Int?, Never>) in
                let now: Int?? = state.withLock { s in
                    if s.stopped { return .some(nil) }
                    if let d = s.pop() { return .some(d) }
                    s.waiters.append(waiter)
                    return .none
                }
                if let now { waiter.resume(returning: now) }
            }
        }
    }

    /// One connection: syncs devices one after another, reconnecting after a broken one.
    private func worker() async {
        while true {
            guard let first = await next() else { return }
            let channel: NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>
            do {
                channel = try await FleetExchange.connect(server)
            } catch {
                finish(first, ok: false, problem: "connect to \(server.host):\(server.port): \(error)", failedRequest: true)
                try? await Task.sleep(for: .milliseconds(100))
                continue
            }
            let timeout = TimeAmount.nanoseconds(Int64(options.timeout.components.seconds) * 1_000_000_000 + options.timeout.components.attoseconds / 1_000_000_000)
            do {
                try await channel.executeThenClose { inbound, outbound in
                    var exchange = FleetExchange(responses: inbound.makeAsyncIterator(), requests: outbound, channel: channel.channel, timeout: timeout)
                    var device: Int? = first
                    while let d = device {
                        let usable = await sync(d, &exchange)
                        guard usable else { return }
                        device = await next()
                        if device == nil { return }
                    }
                }
            } catch {
                // Closing a connection the deadline already closed: nothing more to count.
            }
            if Task.isCancelled { return }
        }
    }

    /// One device's sync; returns whether the connection can be used again.
    private func sync(_ d: Int, _ exchange: inout FleetExchange) async -> Bool {
        let passType = manifest.passTypeIdentifier
        let (since, modified) = state.withLock { ($0.lastUpdated[d], $0.lastModified[d]) }
        var listPath = "\(server.prefix)/v1/devices/\(FleetManifest.deviceLibraryIdentifier(d))/registrations/\(passType)"
        if let since { listPath += "?passesUpdatedSince=\(since)" }
        let list: FleetResponse
        do {
            list = try await exchange.send(request(listPath))
        } catch {
            finish(d, ok: false, problem: "GET \(listPath): \(error)", failedRequest: true, timedOut: error.isTimeout)
            return false
        }
        var serials: [String] = []
        var lastUpdated = since
        switch list.status {
        case 204:
            state.withLock { $0.stats.nothingChanged += 1 }
        case 200:
            guard let object = try? JSONSerialization.jsonObject(with: Data(list.body.readableBytesView)) as? [String: Any],
                  let listed = object["serialNumbers"] as? [String]
            else {
                finish(d, ok: false, problem: "GET \(listPath): 200 without serialNumbers", failedRequest: true)
                return list.keepAlive
            }
            serials = listed
            lastUpdated = object["lastUpdated"] as? String ?? since
            state.withLock { $0.stats.listed += 1 }
        default:
            finish(d, ok: false, problem: "GET \(listPath): \(list.status)", failedRequest: true)
            return list.keepAlive
        }
        var newModified = modified
        for serial in serials {
            guard let card = manifest.card(serialNumber: serial) else {
                finish(d, ok: false, problem: "\(listPath) listed \(serial), which no seeded card has", failedRequest: false)
                return list.keepAlive
            }
            let path = "\(server.prefix)/v1/passes/\(passType)/\(serial)"
            var head = request(path)
            head.headers.add(name: "Authorization", value: "ApplePass \(manifest.tokens[card - 1])")
            // One pass per seeded device: its Last-Modified is the device's.
            if let newModified { head.headers.add(name: "If-Modified-Since", value: newModified) }
            let answer: FleetResponse
            do {
                answer = try await exchange.send(head)
            } catch {
                finish(d, ok: false, problem: "GET \(path): \(error)", failedRequest: true, failedFetch: true, timedOut: error.isTimeout)
                return false
            }
            switch answer.status {
            case 200:
                newModified = answer.headers.first(name: "last-modified") ?? newModified
                check(answer.body, path: path)
            case 304:
                state.withLock { $0.stats.notModified += 1 }
            default:
                finish(d, ok: false, problem: "GET \(path): \(answer.status)", failedRequest: true, failedFetch: true)
                return answer.keepAlive
            }
            if !answer.keepAlive {
                finish(d, ok: true, lastUpdated: lastUpdated, lastModified: newModified)
                return false
            }
        }
        finish(d, ok: true, lastUpdated: lastUpdated, lastModified: newModified)
        return list.keepAlive
    }

    private func request(_ path: String) -> HTTPRequestHead {
        var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path)
        head.headers.add(name: "Host", value: server.hostHeader)
        head.headers.add(name: "User-Agent", value: "passline-fleet")
        return head
    }

    /// Counts a fetched pass, and verifies every n-th.
    private func check(_ body: ByteBuffer, path: String) {
        let sample = state.withLock { s -> Bool in
            s.stats.fetched += 1
            s.fetchCount += 1
            return options.sampleEvery > 0 && s.fetchCount % options.sampleEvery == 1 % options.sampleEvery
        }
        guard sample else { return }
        let bytes = Array(body.readableBytesView)
        let report = PassVerifier.verify(bytes: bytes, trustRoots: options.trustRoots)
        var problem: String?
        if !report.isValid {
            problem = "\(path): does not verify: \(report.errors.map(\.description).joined(separator: "; "))"
        } else if let expected = options.expectedText, !Self.passJSON(of: bytes, contains: expected) {
            problem = "\(path): pass.json does not contain \"\(expected)\""
        }
        state.withLock { s in
            if let problem {
                s.stats.verifyFailed += 1
                s.stats.note(problem)
            } else {
                s.stats.verified += 1
            }
        }
    }

    /// Whether some string in the pass's pass.json contains `text`.
    static func passJSON(of pkpass: [UInt8], contains text: String) -> Bool {
        guard let archive = try? PassArchive(bytes: pkpass), let json = archive.file("pass.json"),
              let object = try? JSONSerialization.jsonObject(with: Data(json))
        else { return false }
        func search(_ value: Any) -> Bool {
            switch value {
            case let s as String: return s.contains(text)
            case let a as [Any]: return a.contains(where: search)
            case let o as [String: Any]: return o.values.contains(where: search)
            default: return false
            }
        }
        return search(object)
    }

    /// A device's sync ended.
    private func finish(
        _ d: Int, ok: Bool, problem: String? = nil, failedRequest: Bool = false, failedFetch: Bool = false, timedOut: Bool = false,
        lastUpdated: String? = nil, lastModified: String? = nil
    ) {
        state.withLock { s in
            s.syncing -= 1
            if ok {
                s.stats.syncs += 1
                if !s.synced[d] {
                    s.synced[d] = true
                    s.stats.devicesSynced += 1
                }
                s.lastUpdated[d] = lastUpdated
                s.lastModified[d] = lastModified
            } else {
                s.stats.failedSyncs += 1
                if failedRequest { s.stats.failedRequests += 1 }
                if failedFetch { s.stats.failedFetches += 1 }
                if timedOut { s.stats.timedOut += 1 }
                if let problem { s.stats.note(problem) }
            }
        }
    }
}

extension FleetRequestError {
    var isTimeout: Bool {
        if case .timedOut = self { return true }
        return false
    }
}
