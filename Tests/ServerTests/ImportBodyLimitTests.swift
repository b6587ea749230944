import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PassBuilder
import Storage
import Testing
import TestSupport

@testable import Server

/// An import's own body limit, over a live server on both databases. Apart from ImportAPITests
/// and run in test.sh's one-at-a-time pass: it sends 64 MiB through the test client, which under
/// the first pass's hundreds of parallel tests outran the client's read timeout on CI.
@Suite struct ImportBodyLimitTests {
    @Test(arguments: Engine.allCases)
    func largeFilesPassTheGeneralLimitButNotTheImportLimit(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let api = LoyaltyAPI(s, client)
            // 2,000 rows (≈ 90 KB) is more than the general limit the test server has (64 KiB).
            var csv = "name,phone,balance\n"
            for i in 0..<2000 { csv += "Client number \(i) of 2000,+7912\(String(format: "%07d", i)),\(i % 7)\n" }
            #expect(csv.utf8.count > s.server.configuration.maxBodyBytes)
            let done = try await api.importAndWait(csv)
            #expect(done["cardsCreated"]?.int64 == 2000 && done["householdsCreated"]?.int64 == 2000, "\(done)")
            #expect(try await api.count("SELECT COUNT(*) FROM cards") == 2000)
            #expect(try await api.count("SELECT SUM(balance) FROM accounts") == Int64((0..<2000).map { $0 % 7 }.reduce(0, +)))

            // Past 64 MiB: 413, nothing written.
            let before = try await api.snapshot()
            var huge = [UInt8]("name,phone\n".utf8)
            huge += [UInt8](repeating: UInt8(ascii: "x"), count: ImportsAPI.maxBody)
            let r = Reply(try await client.execute(
                uri: "/api/v1/imports", method: .post, headers: api.headers([.contentType: "text/csv"]), body: ByteBuffer(bytes: huge)))
            api.expectProblem(r, .contentTooLarge, field: nil)
            #expect(try await api.snapshot() == before)
            #expect(try await api.count("SELECT COUNT(*) FROM imports") == 1)
        }
    }
}
