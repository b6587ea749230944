import APNsMock
import ArgumentParser
import Crypto
import DeviceFleet
import Foundation
import Logging
import X509

/// `passline dev apns-mock`: the mock APNs of module APNsMock as a standalone server, for trying the push path by hand
/// and for benchmarks (`h2load`).
struct DevAPNsMock: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apns-mock",
        abstract: "Run a mock APNs (TLS + HTTP/2) that checks requests like APNs and can inject faults.",
        discussion: """
            With --client-ca, clients authenticate with a certificate chaining to it and each push's apns-topic must be \
            the certificate's pass type ID; without it, clients send 'authorization: bearer <ES256 JWT>' (checked against \
            --token-key if given). Prints statistics every --stats-interval seconds and when stopped (SIGINT/SIGTERM). \
            See docs/push.md, "Mock APNs".
            """)

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port (APNs's alternate port by default; 0 picks a free one).")
    var port = 2197

    @Option(help: "Directory holding the server identity (server.pem, server.key, ca.pem); created when absent, reused after.")
    var identityDir = "data/apns-mock"

    @Option(name: .customLong("client-ca"), help: ArgumentHelp(
        "PEM of a CA issuing client certificates (repeatable). For the development certificates: data/dev-certs/root.pem, and data/dev-certs/wwdr.pem too if the client sends only its own certificate.",
        valueName: "file"))
    var clientCA: [String] = []

    @Option(name: .customLong("token-key"), help: ArgumentHelp("P-256 public key (PEM) provider tokens must be signed with (token mode).", valueName: "file"))
    var tokenKey: String?

    @Option(help: "Probability (0…1) that a push gets one of --faults.")
    var faultRate = 0.0

    @Option(help: "Faults for --fault-rate, comma-separated: \(FaultName.allCases.map(\.rawValue).joined(separator: ",")).")
    var faults = "410,400,429,500,503"

    @Option(help: "Seed of the random faults.")
    var seed: UInt64 = 0x5EED

    @Option(help: "Latency added before every answer, in milliseconds.")
    var latencyMs = 0

    @Option(help: "SETTINGS_MAX_CONCURRENT_STREAMS per connection.")
    var maxStreams = 1000

    @Flag(help: "Keep the stream limit after a rejection (real APNs drops it to 1 until the next accepted push).")
    var noStreamDrop = false

    @Flag(help: "When the limit drops, also refuse (RST_STREAM REFUSED_STREAM) the other streams in flight.")
    var refuseOnDrop = false

    @Flag(help: "Do not keep per-token counts (memory stays flat over millions of pushes).")
    var noTokenLog = false

    @Option(help: "Seconds between statistics lines (0: only at the end).")
    var statsInterval = 5

    @Option(help: ArgumentHelp(
        "Act as the seeded devices: each accepted push makes its device list its changed passes and fetch them from this web service URL (http://host:port).",
        valueName: "url"))
    var fleet: String?

    @Option(help: ArgumentHelp("The devices' manifest that passline dev seed wrote (--fleet).", valueName: "file"))
    var fleetFile = "data/\(FleetManifest.fileName)"

    @Option(help: "Devices syncing at once, each on its own keep-alive connection (--fleet).")
    var fleetConnections = 64

    @Option(help: "Seconds a device waits for one answer before giving up (--fleet).")
    var fleetTimeout = 30

    @Option(help: "Verify every n-th fetched pass (0: none) (--fleet).")
    var fleetSample = 1_000

    @Option(help: ArgumentHelp("Text a verified pass's pass.json must contain, e.g. the broadcast's message (--fleet).", valueName: "text"))
    var fleetExpect: String?

    @Option(help: ArgumentHelp("PEM of the root the verified passes' chains must lead to (--fleet; e.g. data/dev-certs/root.pem).", valueName: "file"))
    var fleetTrust: String?

    @Option(help: ArgumentHelp("Write the fleet's counters as JSON to this file twice a second (--fleet).", valueName: "file"))
    var fleetStats: String?

    /// `--faults` names.
    enum FaultName: String, CaseIterable {
        case unregistered = "410", badDeviceToken = "400", topic, badCertificate = "403", tooMany = "429"
        case internalError = "500", unavailable = "503", goaway, stall, cut, reset

        func fault(now: Int64) -> MockFault {
            switch self {
            case .unregistered: .unregistered(timestampMilliseconds: now)
            case .badDeviceToken: .badDeviceToken
            case .topic: .deviceTokenNotForTopic
            case .badCertificate: .badCertificate
            case .tooMany: .tooManyRequests
            case .internalError: .internalServerError
            case .unavailable: .serviceUnavailable
            case .goaway: .goAway
            case .stall: .stall
            case .cut: .cutConnection
            case .reset: .resetStream
            }
        }
    }

    func validate() throws {
        guard (0...1).contains(faultRate) else { throw ValidationError("--fault-rate must be between 0 and 1, not \(faultRate)") }
        guard latencyMs >= 0 else { throw ValidationError("--latency-ms must not be negative") }
        guard maxStreams >= 1 else { throw ValidationError("--max-streams must be at least 1") }
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0…65535") }
        guard statsInterval >= 0 else { throw ValidationError("--stats-interval must not be negative") }
        if let fleet, FleetServer(url: fleet) == nil { throw ValidationError("--fleet must be http://host[:port][/prefix], not \(fleet)") }
        guard (1...10_000).contains(fleetConnections) else { throw ValidationError("--fleet-connections must be 1…10000") }
        guard fleetTimeout >= 1 else { throw ValidationError("--fleet-timeout must be at least 1 second") }
        guard fleetSample >= 0 else { throw ValidationError("--fleet-sample must not be negative") }
        _ = try parsedFaults()
    }

    private func parsedFaults() throws -> [MockFault] {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        return try faults.split(separator: ",").map { name in
            let trimmed = name.trimmingCharacters(in: .whitespaces).lowercased()
            guard let known = FaultName(rawValue: trimmed) else {
                throw ValidationError("--faults: unknown fault '\(trimmed)'; known: \(FaultName.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return known.fault(now: now)
        }
    }

    func run() async throws {
        let identity = try loadOrCreateIdentity()
        var caPEM: String?
        if !clientCA.isEmpty {
            caPEM = try clientCA.map { path in String(decoding: try readFile(path), as: UTF8.self) }.joined(separator: "\n")
        }
        let tokenKeyPEM = try tokenKey.map { String(decoding: try readFile($0), as: UTF8.self) }
        let configuration = MockAPNsConfiguration(
            identity: identity, host: host, port: port, clientCertificateAuthorityPEM: caPEM,
            tokenAuthenticationPublicKeyPEM: tokenKeyPEM, maxConcurrentStreams: maxStreams, recordTokens: !noTokenLog)
        let behavior = MockBehavior(
            latency: .milliseconds(latencyMs), randomFaultRate: faultRate, randomFaults: try parsedFaults(), seed: seed,
            dropStreamLimitAfterRejection: !noStreamDrop, refuseInFlightStreamsOnDrop: refuseOnDrop)
        var logger = Logger(label: "passline.apns-mock")
        logger.logLevel = .warning
        let devices = try makeFleet()
        var onAccepted: (@Sendable (String) -> Void)?
        if let devices { onAccepted = { token in devices.pushed(token: token) } }
        let mock: MockAPNs
        do {
            mock = try await MockAPNs.start(configuration, behavior: behavior, logger: logger, onAccepted: onAccepted)
        } catch {
            throw fail("cannot start the mock APNs on \(host):\(port): \(error)")
        }
        let caFile = URL(fileURLWithPath: identityDir).appendingPathComponent("ca.pem").path
        say("mock APNs listening on \(mock.url)")
        if caPEM != nil {
            say("certificate authentication: client certificates must chain to \(clientCA.joined(separator: " + ")); apns-topic must be the certificate's UID")
        } else {
            let sample = try MockProviderToken.make(privateKey: P256.Signing.PrivateKey(), keyID: "MOCKKEY001", teamID: "MOCKTEAM01")
            say("token authentication: 'authorization: bearer <ES256 JWT>' required\(tokenKey.map { ", signed with the key in \($0)" } ?? " (signatures not checked), e.g. bearer \(sample)")")
        }
        say("export PASSLINE_APNS_URL=\(mock.url) PASSLINE_APNS_CA_FILE=\(caFile)")

        if let devices { say("acting as \(devices.manifest.devices) devices of \(devices.manifest.cards) cards, fetching from \(fleet ?? "")") }
        await withTaskGroup(of: Void.self) { group in
            if let devices {
                group.addTask { await devices.run() }
                if let path = fleetStats {
                    group.addTask {
                        while !Task.isCancelled {
                            Self.writeStats(devices.stats, to: path)
                            try? await Task.sleep(for: .milliseconds(500))
                        }
                    }
                }
            }
            await runUntilSignal(mock, fleet: devices)
            group.cancelAll()
        }
        try await mock.shutdown()
        say("stopped. " + Self.summary(mock.stats(includingTokens: !noTokenLog)))
        if let devices {
            let stats = devices.stats
            if let path = fleetStats { Self.writeStats(stats, to: path) }
            say("fleet: " + Self.summary(stats))
            for problem in stats.problems { say("  fleet problem: \(problem)") }
        }
        let errors = mock.stats(includingTokens: false).protocolErrors
        for problem in errors.prefix(20) { say("  protocol error: \(problem)") }
        if errors.count > 20 { say("  … \(errors.count - 20) more") }
    }

    /// The device fleet `--fleet` asks for, with its manifest read.
    private func makeFleet() throws -> DeviceFleet? {
        guard let fleet, let server = FleetServer(url: fleet) else { return nil }
        let manifest: FleetManifest
        do { manifest = try FleetManifest.read(from: fleetFile) } catch { throw fail("--fleet-file: \(error)") }
        var options = DeviceFleet.Options()
        options.connections = fleetConnections
        options.timeout = .seconds(fleetTimeout)
        options.sampleEvery = fleetSample
        options.expectedText = fleetExpect
        if let fleetTrust {
            do {
                options.trustRoots = [try Certificate(pemEncoded: String(decoding: try readFile(fleetTrust), as: UTF8.self))]
            } catch {
                throw fail("--fleet-trust \(fleetTrust): not a PEM certificate: \(error)")
            }
        }
        return DeviceFleet(manifest: manifest, server: server, options: options)
    }

    static func writeStats(_ stats: FleetStats, to path: String) {
        guard let data = try? JSONEncoder().encode(stats) else { return }
        try? writeAtomically(Array(data), to: path)
    }

    static func summary(_ s: FleetStats) -> String {
        var line = "\(s.pushes) pushes, \(s.syncs) syncs (\(s.devicesSynced) devices), \(s.fetched) passes fetched, \(s.notModified) not modified, "
            + "\(s.failedRequests) failed requests (\(s.failedFetches) fetches, \(s.timedOut) timed out), \(s.pending) pending; "
            + "\(s.verified) sampled passes verified"
        if s.verifyFailed > 0 { line += ", \(s.verifyFailed) FAILED verification" }
        if s.unknownDevices > 0 { line += "; \(s.unknownDevices) pushes to unknown tokens" }
        return line
    }

    /// Prints statistics every `statsInterval` seconds until SIGINT or SIGTERM.
    private func runUntilSignal(_ mock: MockAPNs, fleet: DeviceFleet?) async {
        let signals = AsyncStream<Int32> { continuation in
            // Dispatch sources are thread-safe; they are only cancelled here.
            nonisolated(unsafe) let sources = [SIGINT, SIGTERM].map { number in
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler { continuation.yield(number) }
                source.resume()
                return source
            }
            continuation.onTermination = { _ in sources.forEach { $0.cancel() } }
        }
        let interval = statsInterval
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await _ in signals { return }
            }
            if interval > 0 {
                group.addTask {
                    var last = (requests: 0, at: ContinuousClock.now)
                    while !Task.isCancelled {
                        try? await Task.sleep(for: .seconds(interval))
                        if Task.isCancelled { return }
                        let stats = mock.stats(includingTokens: false)
                        let now = ContinuousClock.now
                        let seconds = Double((now - last.at).components.attoseconds) / 1e18 + Double((now - last.at).components.seconds)
                        let rate = seconds > 0 ? Double(stats.requests - last.requests) / seconds : 0
                        last = (stats.requests, now)
                        say(Self.summary(stats) + String(format: "; %.0f requests/s", rate))
                        if let fleet { say("fleet: " + Self.summary(fleet.stats)) }
                    }
                }
            }
            await group.next()
            group.cancelAll()
        }
    }

    static func summary(_ stats: MockAPNsStats) -> String {
        let statuses = stats.byStatus.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
        var line = "\(stats.requests) requests, \(stats.accepted) accepted [\(statuses)]; \(stats.connections) connections"
        if stats.goAwaysSent > 0 { line += ", \(stats.goAwaysSent) GOAWAY" }
        if stats.streamsReset > 0 { line += ", \(stats.streamsReset) streams reset" }
        if stats.stalled > 0 { line += ", \(stats.stalled) stalled" }
        if stats.connectionsCut > 0 { line += ", \(stats.connectionsCut) cut" }
        if !stats.acceptedByToken.isEmpty { line += "; \(stats.acceptedByToken.count) distinct tokens accepted" }
        if !stats.protocolErrors.isEmpty { line += "; \(stats.protocolErrors.count)\(stats.protocolErrors.count == MockAPNsStats.protocolErrorLimit ? "+" : "") protocol errors" }
        return line
    }

    /// The identity in `identityDir`, or a new one written there (the key readable by the owner only).
    private func loadOrCreateIdentity() throws -> MockTLSIdentity {
        let dir = URL(fileURLWithPath: identityDir)
        let paths = ["server.pem", "server.key", "ca.pem"].map { dir.appendingPathComponent($0).path }
        let present = paths.filter { FileManager.default.fileExists(atPath: $0) }
        if present.count == 3 {
            let texts = try paths.map { String(decoding: try readFile($0), as: UTF8.self) }
            return MockTLSIdentity(certificateChainPEM: texts[0], privateKeyPEM: texts[1], trustRootPEM: texts[2])
        }
        if !present.isEmpty {
            throw fail("\(identityDir): has \(present.map { URL(fileURLWithPath: $0).lastPathComponent }.joined(separator: ", ")) but not all of server.pem, server.key, ca.pem; remove them or complete the set")
        }
        var hosts = ["127.0.0.1", "::1", "localhost"]
        if !hosts.contains(host), host != "0.0.0.0", host != "::" { hosts.append(host) }
        let identity: MockTLSIdentity
        do { identity = try MockTLSIdentity.generate(hosts: hosts) } catch { throw fail("--host \(host): \(error)") }
        do {
            try writeAtomically(Array((identity.certificateChainPEM + "\n").utf8), to: paths[0])
            try writeAtomically(Array((identity.trustRootPEM + "\n").utf8), to: paths[2])
            guard FileManager.default.createFile(
                atPath: paths[1], contents: Data((identity.privateKeyPEM + "\n").utf8), attributes: [.posixPermissions: 0o600])
            else { throw fail("\(paths[1]): cannot be written") }
        } catch let error as ExitCode {
            throw error
        } catch {
            throw fail("\(identityDir): cannot write the mock's identity: \(error)")
        }
        printError("created a mock APNs identity in \(identityDir) (clients trust \(paths[2]))")
        return identity
    }
}
