// Push benchmark: APNsClient against MockAPNs over loopback TLS + HTTP/2.
//
//   PushBenchmark [--pushes N] [--concurrency C] [--connections K] [--streams S] [--certificate]
//       Starts a MockAPNs in this process (recordTokens off), sends N pushes through APNsClient from C
//       concurrent senders, prints pushes/s and RSS (VmRSS) at start, peak and end.
//   PushBenchmark --serve-only --dir D [--port P] [--streams S]
//       Only runs a token-mode MockAPNs (for h2load, which has no client certificates) and writes
//       D/url, D/ca.pem, D/auth-key.p8, D/authorization (a bearer JWT); runs until killed.
//   PushBenchmark --url URL --dir D [--pushes N] [--concurrency C] [--connections K]
//       Sends through APNsClient to a --serve-only mock, with the same token credentials h2load uses.
//
// scripts/bench-push.sh runs h2load and this against the same mock and prints both rates.
import APNsMock
import Crypto
import Foundation
import Logging
import PassBuilder
import Push
import Synchronization

struct Options {
    var pushes = 1_000_000
    var concurrency = 1_000
    var connections = 4
    var streams = 1_000
    var certificate = false
    var serveOnly = false
    var url: String?
    var directory: String?
    var port = 0

    init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        func value(_ name: String) -> String {
            guard let value = iterator.next() else { fail("\(name) needs a value") }
            return value
        }
        func number(_ name: String) -> Int {
            guard let number = Int(value(name)), number > 0 else { fail("\(name) needs a positive number") }
            return number
        }
        while let argument = iterator.next() {
            switch argument {
            case "--pushes": pushes = number(argument)
            case "--concurrency": concurrency = number(argument)
            case "--connections": connections = number(argument)
            case "--streams": streams = number(argument)
            case "--certificate": certificate = true
            case "--serve-only": serveOnly = true
            case "--url": url = value(argument)
            case "--dir": directory = value(argument)
            case "--port": port = number(argument)
            default: fail("unknown argument \(argument)")
            }
        }
        if (serveOnly || url != nil) && directory == nil { fail("--serve-only and --url need --dir") }
    }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("PushBenchmark: \(message)\n".utf8))
    exit(2)
}

/// VmRSS of this process in MiB.
func residentMiB() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        let kilobytes = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
        return kilobytes / 1024
    }
    return 0
}

func write(_ text: String, _ directory: String, _ name: String) throws {
    try Data(text.utf8).write(to: URL(fileURLWithPath: directory + "/" + name))
}

let options = Options(CommandLine.arguments)
let topic = "pass.dev.passline.loyalty"
let teamID = "DEVTEAM123"
let keyID = "BENCHKEY01"
var logger = Logger(label: "push-benchmark")
logger.logLevel = .error

if options.serveOnly {
    let directory = options.directory!
    let identity = try MockTLSIdentity.generate()
    let key = P256.Signing.PrivateKey()
    var configuration = MockAPNsConfiguration(
        identity: identity, port: options.port, tokenAuthenticationPublicKeyPEM: key.publicKey.pemRepresentation,
        maxConcurrentStreams: options.streams, recordTokens: false)
    configuration.host = "127.0.0.1"
    let mock = try await MockAPNs.start(configuration, logger: logger)
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    try write(identity.trustRootPEM, directory, "ca.pem")
    try write(key.pemRepresentation, directory, "auth-key.p8")
    try write("bearer " + MockProviderToken.make(privateKey: key, keyID: keyID, teamID: teamID), directory, "authorization")
    try write(mock.url, directory, "url")
    print("mock APNs listening on \(mock.url)")
    while true { try await Task.sleep(for: .seconds(3600)) }
}

// The mock: in this process, or the --serve-only one at --url.
let mock: MockAPNs?
var clientConfiguration: APNsClientConfiguration
let credentials: APNsCredentials
if let url = options.url {
    let directory = options.directory!
    mock = nil
    clientConfiguration = APNsClientConfiguration(
        url: url, additionalTrustRootsPEM: try String(contentsOfFile: directory + "/ca.pem", encoding: .utf8))
    credentials = .token(
        teamID: teamID, keyID: keyID, privateKeyPEM: try String(contentsOfFile: directory + "/auth-key.p8", encoding: .utf8))
} else {
    let identity = try MockTLSIdentity.generate()
    if options.certificate {
        let pki = try DevelopmentPKI.generate()
        mock = try await MockAPNs.start(
            MockAPNsConfiguration(
                identity: identity, clientCertificateAuthorityPEM: pki.rootPEM, maxConcurrentStreams: options.streams,
                recordTokens: false),
            logger: logger)
        credentials = try .certificate(chainPEM: pki.certificatePEM + "\n" + pki.intermediatePEM, privateKeyPEM: pki.keyPEM)
    } else {
        let key = P256.Signing.PrivateKey()
        mock = try await MockAPNs.start(
            MockAPNsConfiguration(
                identity: identity, tokenAuthenticationPublicKeyPEM: key.publicKey.pemRepresentation,
                maxConcurrentStreams: options.streams, recordTokens: false),
            logger: logger)
        credentials = .token(teamID: teamID, keyID: keyID, privateKeyPEM: key.pemRepresentation)
    }
    clientConfiguration = APNsClientConfiguration(url: mock!.url, additionalTrustRootsPEM: identity.trustRootPEM)
}
clientConfiguration.connectionsPerTopic = options.connections
clientConfiguration.connectionStagger = .zero
clientConfiguration.requestTimeout = .seconds(30)
let client = try APNsClient(configuration: clientConfiguration, credentials: [topic: credentials], logger: logger)

// 10,000 distinct device tokens, reused round robin.
let tokens = (0..<10_000).map { index -> PushToken in
    var hex = String(index, radix: 16)
    hex = String(repeating: "a", count: 64 - hex.count) + hex
    return try! PushToken(hex)
}

// Warm up: connections open, TLS, token accepted.
for _ in 0..<3 { _ = await client.send(PushRequest(token: tokens[0], topic: topic)) }

let rssStart = residentMiB()
let peak = Mutex(rssStart)
let sampling = Task {
    while !Task.isCancelled {
        let now = residentMiB()
        peak.withLock { $0 = max($0, now) }
        try? await Task.sleep(for: .milliseconds(100))
    }
}

let next = Atomic<Int>(0)
let total = options.pushes
let started = ContinuousClock.now
let (delivered, other) = await withTaskGroup(of: (Int, [String: Int]).self) { group in
    for _ in 0..<min(options.concurrency, total) {
        group.addTask {
            var delivered = 0
            var other: [String: Int] = [:]
            while true {
                let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
                if index >= total { break }
                let outcome = await client.send(PushRequest(token: tokens[index % tokens.count], topic: topic))
                if outcome == .delivered { delivered += 1 } else { other["\(outcome)", default: 0] += 1 }
            }
            return (delivered, other)
        }
    }
    var delivered = 0
    var other: [String: Int] = [:]
    for await (count, failures) in group {
        delivered += count
        other.merge(failures, uniquingKeysWith: +)
    }
    return (delivered, other)
}
let elapsed = started.duration(to: .now)
sampling.cancel()
let rssEnd = residentMiB()
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18

print("APNsClient: \(total) pushes, \(options.concurrency) senders, \(options.connections) connections, "
    + "\(options.url == nil ? "in-process mock" : "mock at \(options.url!)"), \(options.certificate ? "certificate" : "token") auth")
print(String(format: "  %.1f s, %.0f pushes/s; delivered %d", seconds, Double(total) / seconds, delivered))
if !other.isEmpty { print("  other outcomes: \(other)") }
print(String(format: "  RSS start %.1f MiB, peak %.1f MiB, end %.1f MiB (growth %.1f MiB)",
             rssStart, peak.withLock { $0 }, rssEnd, rssEnd - rssStart))
await client.shutdown()
try await mock?.shutdown()
