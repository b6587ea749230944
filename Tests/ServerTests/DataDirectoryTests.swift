import Foundation
import Testing

@testable import Server

/// Secrets in a data directory shared by servers that start together.
@Suite struct DataDirectoryTests {
    @Test func serversStartingTogetherAgreeOnOneSecret() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("passline-dd-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let directory = DataDirectory(path: dir)
        let results = try await withThrowingTaskGroup(of: (String, Bool).self) { group in
            for _ in 0..<16 { group.addTask { try directory.readOrCreate("secret", { UUID().uuidString }) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(results.map(\.0)).count == 1, "every caller reads the value that was written")
        #expect(results.filter(\.1).count == 1, "exactly one created it")
        let onDisk = try String(contentsOfFile: dir + "/secret", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(onDisk == results[0].0)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty, "temporary files are removed: \(leftovers)")
    }
}
