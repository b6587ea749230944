import APNsMock
import Foundation
import TestSupport
import PassBuilder
import Testing

/// Certificates and files shared by the mock APNs tests: a server identity, the development PKI's pass certificate as
/// the TLS client certificate (pass type `pass.dev.passline.loyalty`), written once to a temporary directory.
struct MockFixture: Sendable {
    let identity: MockTLSIdentity
    let pki: DevelopmentPKI
    let directory: String
    var topic: String { pki.identity.passTypeIdentifier }

    /// Server trust root, for the client.
    var caFile: String { directory + "/ca.pem" }
    /// Pass certificate followed by its intermediate, so the server can build the chain to the root.
    var clientChainFile: String { directory + "/client-chain.pem" }
    /// Pass certificate alone.
    var clientLeafFile: String { directory + "/client-leaf.pem" }
    var clientKeyFile: String { directory + "/client.key" }

    static let shared = Result { try MockFixture() }
    static func get() throws -> MockFixture { try shared.get() }

    private init() throws {
        identity = try MockTLSIdentity.generate()
        pki = try DevelopmentPKI.generate()
        directory = NSTemporaryDirectory() + "mock-apns-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try write(identity.trustRootPEM, "ca.pem")
        try write(pki.certificatePEM + "\n" + pki.intermediatePEM, "client-chain.pem")
        try write(pki.certificatePEM, "client-leaf.pem")
        try write(pki.keyPEM, "client.key")
    }

    private func write(_ text: String, _ name: String) throws {
        try Data((text + "\n").utf8).write(to: URL(fileURLWithPath: directory + "/" + name))
    }

    /// Certificate mode: client certificates must chain to the development root.
    func certificateConfiguration(maxConcurrentStreams: Int = 1000) -> MockAPNsConfiguration {
        MockAPNsConfiguration(identity: identity, clientCertificateAuthorityPEM: pki.rootPEM, maxConcurrentStreams: maxConcurrentStreams)
    }

    static let token = String(repeating: "ab", count: 32)
    static let otherToken = String(repeating: "cd", count: 32)
}

/// Starts a mock, runs `body`, and always shuts the mock down.
func withMock<T>(
    _ configuration: MockAPNsConfiguration, behavior: MockBehavior = MockBehavior(), _ body: (MockAPNs) async throws -> T
) async throws -> T {
    let mock = try await MockAPNs.start(configuration, behavior: behavior)
    do {
        let result = try await body(mock)
        try await mock.shutdown()
        return result
    } catch {
        try? await mock.shutdown()
        throw error
    }
}

/// Runs an external program to completion without blocking a thread, capturing its output.
func runProgram(_ path: String, _ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
    try #require(FileManager.default.isExecutableFile(atPath: path), "\(path) is required (Debian: curl / nghttp2-client)")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    let status: Int32 = try await withCheckedThrowingContinuation { continuation in
        process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
        do { try ProcessLaunch.run(process) } catch { continuation.resume(throwing: error) }
    }
    let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    return (status, stdout, stderr)
}

/// One `curl --http2` exchange with the mock.
struct CurlResult {
    var exitCode: Int32
    var status: Int?
    /// Response headers, names lower-cased.
    var headers: [String: String]
    var body: String
    var stderr: String

    /// The `reason` of the JSON error body.
    var reason: String? { json?["reason"] as? String }
    var timestamp: Int64? { (json?["timestamp"] as? NSNumber)?.int64Value }
    private var json: [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any]
    }
}

/// The headers a Wallet push sends.
func walletHeaders(topic: String) -> [(String, String)] {
    [("apns-topic", topic), ("apns-push-type", "background"), ("apns-priority", "5"), ("apns-expiration", "0")]
}

/// Sends requests with curl over HTTP/2 (one connection for all `paths`); returns the last exchange.
func curl(
    _ mock: MockAPNs, fixture: MockFixture, path: String = "/3/device/" + MockFixture.token, method: String = "POST",
    headers: [(String, String)]? = nil, body: String? = "{}", clientCertificate: String? = nil,
    extra: [String] = []
) async throws -> CurlResult {
    let headerFile = fixture.directory + "/headers-\(UUID().uuidString)"
    let bodyFile = fixture.directory + "/body-\(UUID().uuidString)"
    let requestFile = fixture.directory + "/request-\(UUID().uuidString)"
    defer {
        for file in [headerFile, bodyFile, requestFile] { try? FileManager.default.removeItem(atPath: file) }
    }
    var arguments = ["--http2", "-sS", "--max-time", "20", "--cacert", fixture.caFile, "-X", method, "-D", headerFile, "-o", bodyFile,
                     "-w", "%{http_code}"]
    if let clientCertificate { arguments += ["--cert", clientCertificate, "--key", fixture.clientKeyFile] }
    for (name, value) in headers ?? walletHeaders(topic: fixture.topic) { arguments += ["-H", "\(name): \(value)"] }
    if let body {
        try Data(body.utf8).write(to: URL(fileURLWithPath: requestFile))
        arguments += ["--data-binary", "@" + requestFile]
    }
    arguments += extra
    arguments.append(mock.url + path)
    let run = try await runProgram("/usr/bin/curl", arguments)
    let headerText = (try? String(contentsOfFile: headerFile, encoding: .utf8)) ?? ""
    var parsed: [String: String] = [:]
    for line in headerText.split(whereSeparator: \.isNewline) {
        guard let colon = line.firstIndex(of: ":"), !line.hasPrefix("HTTP/") else { continue }
        parsed[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
    return CurlResult(
        exitCode: run.status, status: Int(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)).flatMap { $0 == 0 ? nil : $0 },
        headers: parsed, body: (try? String(contentsOfFile: bodyFile, encoding: .utf8)) ?? "", stderr: run.stderr)
}
