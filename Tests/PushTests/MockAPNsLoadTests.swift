import APNsMock
import Crypto
import Foundation
import Testing
import TestSupport

/// The mock under h2load (nghttp2's load generator): every request answered 200 and counted once.
@Suite("Mock APNs under h2load")
struct MockAPNsLoadTests {
    /// h2load's "status codes: N 2xx, N 3xx, N 4xx, N 5xx" line.
    static func statusCounts(_ output: String) -> [String: Int] {
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("status codes:") }) else { return [:] }
        var counts: [String: Int] = [:]
        for part in line.dropFirst("status codes:".count).split(separator: ",") {
            let words = part.split(separator: " ")
            if words.count == 2, let count = Int(words[0]) { counts[String(words[1])] = count }
        }
        return counts
    }

    @Test("2,000 pushes over 2 connections, 50 streams each: all 200, all counted, per token")
    func h2loadRun() async throws {
        let fixture = try MockFixture.get()
        let key = ProviderKey()
        try await withMock(key.configuration(fixture)) { mock in
            let body = fixture.directory + "/h2load-body.json"
            try Data("{}".utf8).write(to: URL(fileURLWithPath: body))
            let run = try await runProgram("/usr/bin/h2load", [
                "-n", "2000", "-c", "2", "-m", "50", "-d", body,
                "-H", "apns-topic: \(fixture.topic)", "-H", "apns-push-type: background", "-H", "apns-priority: 5",
                "-H", "authorization: bearer \(try key.token())",
                mock.url + "/3/device/" + MockFixture.token,
            ])
            #expect(run.status == 0, "\(run.stderr)")
            let counts = Self.statusCounts(run.stdout)
            #expect(counts["2xx"] == 2000, "\(run.stdout)")
            #expect(counts["4xx"] == 0)
            #expect(counts["5xx"] == 0)
            let stats = mock.stats()
            #expect(stats.requests == 2000)
            #expect(stats.accepted == 2000)
            #expect(stats.acceptedByToken == [MockFixture.token: 2000])
            #expect(stats.connections == 2)
            #expect(stats.protocolErrors.isEmpty, "\(stats.protocolErrors)")
        }
    }

    @Test("with random faults under load, h2load's status counts match the mock's")
    func h2loadWithFaults() async throws {
        let fixture = try MockFixture.get()
        let key = ProviderKey()
        let behavior = MockBehavior(randomFaultRate: 0.1, randomFaults: [.unregistered(timestampMilliseconds: 1), .serviceUnavailable])
        try await withMock(key.configuration(fixture), behavior: behavior) { mock in
            let body = fixture.directory + "/h2load-body-faults.json"
            try Data("{}".utf8).write(to: URL(fileURLWithPath: body))
            let run = try await runProgram("/usr/bin/h2load", [
                "-n", "1000", "-c", "1", "-m", "20", "-d", body,
                "-H", "apns-topic: \(fixture.topic)", "-H", "apns-push-type: background",
                "-H", "authorization: bearer \(try key.token())",
                mock.url + "/3/device/" + MockFixture.token,
            ])
            let counts = Self.statusCounts(run.stdout)
            let stats = mock.stats()
            #expect(stats.requests == 1000)
            #expect(counts["2xx"] == stats.accepted, "\(run.stdout)")
            #expect(counts["4xx"] == stats.byStatus[410])
            #expect(counts["5xx"] == stats.byStatus[503])
            #expect((stats.byStatus[410] ?? 0) > 0)
            #expect((stats.byStatus[503] ?? 0) > 0)
        }
    }
}
