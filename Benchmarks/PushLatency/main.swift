// Push latency on an idle server: from a ledger change committing to the mock APNs accepting the
// push it causes. The issue's target: p99 under 100 ms. Run: scripts/bench-push.sh (or
// `swift run -c release PushLatency [samples] [sqlite|postgres://…]`).
import APNsMock
import Foundation
import Logging
import Loyalty
import PassBuilder
import Storage
import Server

let arguments = CommandLine.arguments.dropFirst()
let samples = arguments.first.flatMap(Int.init) ?? 200
let dir = FileManager.default.temporaryDirectory.appendingPathComponent("passline-push-latency-\(getpid())")
try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: dir) }
let databaseURL = arguments.dropFirst().first ?? "sqlite:\(dir.appendingPathComponent("bench.sqlite").path)"
var logger = Logger(label: "push-latency")
logger.logLevel = .warning

let pki = dir.appendingPathComponent("pki").path
try DevelopmentPKI.ensure(in: pki)
let identity = try MockTLSIdentity.generate()
let caFile = dir.appendingPathComponent("apns-ca.pem").path
try identity.trustRootPEM.write(toFile: caFile, atomically: true, encoding: .utf8)
let mock = try await MockAPNs.start(
    MockAPNsConfiguration(identity: identity, clientCertificateAuthorityPEM: try String(contentsOfFile: pki + "/root.pem", encoding: .utf8)))

var configuration = ServerConfiguration()
configuration.dataDirectory = dir.path
configuration.databaseURL = databaseURL
configuration.passCertificate = pki + "/pass.pem"
configuration.passKey = pki + "/pass.key"
configuration.wwdrCertificate = pki + "/wwdr.pem"
configuration.push.endpoint = .url(mock.url)
configuration.push.caFile = caFile
configuration.push.rate = .unlimited

let latencies = try await PasslineServer.withDatabase(url: databaseURL, logger: logger) { database in
    let server = try await PasslineServer.prepare(configuration: configuration, database: database, logger: logger)
    let card = try await server.loyalty.issue(NewCard(name: "Bench", phone: try PhoneNumber(parsing: "+79160000000")))
    _ = try await server.service.store.register(
        deviceLibraryIdentifier: "bench-device", pushToken: String(repeating: "ab", count: 32), client: .apple,
        passTypeIdentifier: card.passTypeIdentifier, serialNumber: card.serialNumber)
    return try await withThrowingTaskGroup(of: [Duration].self) { group in
        group.addTask {
            try await server.application(logger: logger).runService()
            return []
        }
        var results: [Duration] = []
        for i in 0..<(samples + 10) { // the first 10 warm up (connection set-up) and are not counted
            let before = mock.stats(includingTokens: false).accepted
            _ = try await server.loyalty.ledger.apply(
                .accrual(points: 1), cardNumber: card.number, businessKey: "latency-\(i)", comment: nil, program: server.loyalty.program)
            let committed = ContinuousClock.now
            while mock.stats(includingTokens: false).accepted == before { try await Task.sleep(for: .microseconds(200)) }
            if i >= 10 { results.append(committed.duration(to: .now)) }
            try await Task.sleep(for: .milliseconds(20)) // idle between changes
        }
        group.cancelAll()
        return results
    }
}
try await mock.shutdown()

let sorted = latencies.sorted()
func ms(_ d: Duration) -> String { String(format: "%.1f ms", Double(d.components.attoseconds) / 1e15 + Double(d.components.seconds) * 1000) }
func percentile(_ p: Double) -> Duration { sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
print("push latency, change committed → APNs mock accepted, \(samples) samples on \(databaseURL.hasPrefix("postgres") ? "PostgreSQL" : "SQLite"):")
print("  p50 \(ms(percentile(0.5)))  p90 \(ms(percentile(0.9)))  p99 \(ms(percentile(0.99)))  max \(ms(sorted.last ?? .zero))")
