import Foundation
import Testing

/// `passline serve` as a child process (beside the test bundle), for tests that `kill -9` it.
struct ServerProcess {
    let process: Process
    /// The HTTP port it listens on (read from its "listening on" line), once started.
    let port: Int

    /// The passline executable built beside the tests.
    static func executable() throws -> String {
        let candidates = [Bundle.main.executableURL?.resolvingSymlinksInPath().deletingLastPathComponent()]
            + Bundle.allBundles.filter { $0.bundlePath.hasSuffix(".xctest") }.map { $0.bundleURL.deletingLastPathComponent() }
            + [URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent(),
               TestEnvironment.repoRoot.appendingPathComponent(".build/debug")]
        guard let binary = candidates.compactMap({ $0?.appendingPathComponent("passline").path }).first(where: FileManager.default.isExecutableFile) else {
            Issue.record("the passline executable was not found beside the tests: run `swift build` first (scripts/test.sh does)")
            throw CancellationError()
        }
        return binary
    }

    /// Starts `passline serve` with `environment` over this process's, output to `log`.
    static func launch(environment: [String: String], log: String) throws -> Process {
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try executable())
        process.arguments = ["serve"]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.standardOutput = FileHandle(forWritingAtPath: log)
        process.standardError = FileHandle(forWritingAtPath: log)
        try process.run()
        return process
    }

    /// Starts it and waits until it listens (`PASSLINE_HTTP_PORT` 0 picks a free port).
    static func start(environment: [String: String], log: String) async throws -> ServerProcess {
        let process = try launch(environment: environment, log: log)
        let deadline = ContinuousClock.now.advanced(by: .seconds(120))
        while ContinuousClock.now < deadline, process.isRunning {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            if let range = text.range(of: #"listening on http://[^:]+:(\d+)"#, options: .regularExpression),
               let colon = text[range].lastIndex(of: ":"), let port = Int(text[range][text.index(after: colon)...]) {
                return ServerProcess(process: process, port: port)
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        if process.isRunning { process.terminate() }
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        Issue.record("passline serve did not start listening: \(text.suffix(2_000))")
        throw CancellationError()
    }

    /// `kill -9`: no shutdown, no flush, whatever was in flight is cut.
    func kill9() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}
