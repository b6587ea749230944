import Foundation
import Testing

/// `passline serve` as a child process (beside the test bundle), for tests that `kill -9` it.
package struct ServerProcess {
    package let process: Process
    /// The HTTP port it listens on (read from its "listening on" line), once started.
    package let port: Int

    /// The passline executable built beside the tests.
    package static func executable() throws -> String {
        switch Processes.passlinePath {
        case .success(let path): return path
        case .failure(let error):
            Issue.record("\(error)")
            throw CancellationError()
        }
    }

    /// Starts `passline serve` (or another long-running command) with `environment` over this
    /// process's, output to `log`.
    package static func launch(_ arguments: [String] = ["serve"], environment: [String: String], log: String) throws -> Process {
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try executable())
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.standardOutput = FileHandle(forWritingAtPath: log)
        process.standardError = FileHandle(forWritingAtPath: log)
        try ProcessLaunch.run(process)
        return process
    }

    /// Starts it and waits until it listens (`PASSLINE_HTTP_PORT` 0 picks a free port).
    package static func start(_ arguments: [String] = ["serve"], environment: [String: String], log: String) async throws -> ServerProcess {
        let process = try launch(arguments, environment: environment, log: log)
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
        Issue.record("passline \(arguments.joined(separator: " ")) did not start listening: \(text.suffix(2_000))")
        throw CancellationError()
    }

    /// `kill -9`: no shutdown, no flush, whatever was in flight is cut.
    package func kill9() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    package func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}
