import Foundation
import Storage
import Synchronization
import Testing
import TestSupport

@testable import Server

/// An import interrupted mid-way: a batch that fails before committing leaves nothing, the
/// cursor stays at the last committed batch, and the next runner (once the lease lapses)
/// resumes from there to the same result as an uninterrupted import.
@Suite struct ImportResumeTests {
    struct SimulatedCrash: Error {}

    /// 25 rows, 10 households of up to three people, balances 0…4, turnover on every fifth row.
    static let csv: String = {
        var text = "name,phone,balance,turnover\n"
        for i in 0..<25 { text += "Client \(i),+7912000\(String(format: "%04d", i % 10)),\(i % 5),\(i % 5 == 0 ? "10.00" : "")\n" }
        return text
    }()

    static let expectedPoints = Int64((0..<25).map { $0 % 5 }.reduce(0, +))

    @Test(arguments: Engine.allCases)
    func aCrashedBatchIsRedoneByTheNextRunner(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let api = LoyaltyAPI(s, client)
            let imports = s.server.imports
            let store = imports.store
            let bytes = Array(Self.csv.utf8)
            // Accepted leased to a runner of its own, so the server's worker leaves it alone.
            guard case .created(let accepted) = try await imports.accept(bytes, owner: "first") else {
                Issue.record("not created")
                return
            }
            let id = accepted.id
            #expect(accepted.state == .running && accepted.rows == 25)
            let file = try ImportCSV.parse(bytes, program: s.server.loyalty.program)
            let settings = try imports.passSettings()
            let program = s.server.loyalty.program
            let batch = { (owner: String, crash: Bool) in
                try await store.runBatch(
                    id: id, owner: owner, file: file, size: 10, leaseSeconds: 30, program: program, settings: settings,
                    beforeCommit: { if crash { throw SimulatedCrash() } })
            }

            let first = try await batch("first", false)
            #expect(first.kind == .progressed && first.record?.processed == 10, "\(first)")
            await #expect(throws: SimulatedCrash.self) { _ = try await batch("first", true) }
            #expect(try await store.record(id: id)?.processed == 10, "the failed batch moved nothing")
            #expect(try await store.file(id: id) == bytes, "the file is kept to resume from")
            #expect(try await api.count("SELECT COUNT(*) FROM cards") == 10)
            #expect(try await api.count("SELECT COUNT(*) FROM passes") == 10)

            // The runner "died". Nobody else takes the import while its lease holds…
            #expect(try await store.claimNext(owner: "second", leaseSeconds: 30) == nil)
            // …the next runner does once it lapses, and the dead one's batches are refused from then on.
            #expect(try await store.claimNext(owner: "second", leaseSeconds: 30, now: Date().addingTimeInterval(120)) == id)
            #expect(try await batch("first", false).kind == .stopped)
            let done = try #require(await imports.run(id: id, owner: "second"))
            #expect(done.state == .done && done.processed == 25 && done.cardsCreated == 25 && done.cardsExisting == 0, "\(done)")
            #expect(done.householdsCreated == 10 && done.openingPoints == Self.expectedPoints, "\(done)")
            #expect(done.finishedAt != nil)
            #expect(try await store.file(id: id) == [], "a done import's file is not kept")

            // The same as an uninterrupted import: every row once, balances the sums of their rows.
            #expect(try await api.count("SELECT COUNT(*) FROM cards") == 25)
            #expect(try await api.count("SELECT COUNT(*) FROM accounts") == 10)
            #expect(try await api.count("SELECT COUNT(*) FROM ledger_entries") == 20, "an entry per row with a balance")
            #expect(try await api.count("SELECT SUM(balance) FROM accounts") == Self.expectedPoints)
            #expect(try await api.count("SELECT COUNT(*) FROM accounts a WHERE balance <> (SELECT SUM(points) FROM ledger_entries e WHERE e.account_id = a.id)") == 0)
            #expect(try await api.count("SELECT SUM(turnover) FROM accounts") == 5 * 1000)
            let numbers = try await api.column("SELECT number FROM cards WHERE account_id = (SELECT id FROM accounts WHERE phone = '+79120000003') ORDER BY number")
            #expect(numbers == ["79120000003-1", "79120000003-2", "79120000003-3"], "rows 3, 13, 23: one card each, across batches")
            #expect(try await api.count("SELECT COUNT(*) FROM passes WHERE update_tag = 0") == 0, "every pass stamped")
        }
    }

    @Test(arguments: Engine.allCases)
    func theServiceRetriesAFailedBatch(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let api = LoyaltyAPI(s, client)
            let failures = Mutex(2)
            var options = ImportService.Options()
            options.batchSize = 7
            let service = ImportService(
                database: s.server.database, loyalty: s.server.loyalty, logger: TestEnvironment.logger, options: options,
                beforeCommit: {
                    let fail = failures.withLock { left in
                        defer { left -= 1 }
                        return left > 0
                    }
                    if fail { throw SimulatedCrash() }
                })
            guard case .created(let accepted) = try await service.accept(Array(Self.csv.utf8), owner: "tester") else {
                Issue.record("not created")
                return
            }
            let seen = Mutex<[Int64]>([])
            let done = try #require(await service.run(id: accepted.id, owner: "tester") { r in seen.withLock { $0.append(r.processed) } })
            #expect(done.state == .done && done.cardsCreated == 25 && done.openingPoints == Self.expectedPoints, "\(done)")
            #expect(seen.withLock { $0 } == [7, 14, 21, 25], "progress after each committed batch")
            #expect(try await api.count("SELECT COUNT(*) FROM cards") == 25)
        }
    }

    @Test(arguments: Engine.allCases)
    func aFileThatNoLongerPassesFailsTheImport(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let api = LoyaltyAPI(s, client)
            guard case .created(let accepted) = try await s.server.imports.accept(Array("name,phone,tier\nA,+79120000001,gold\n".utf8), owner: "tester") else {
                Issue.record("not created")
                return
            }
            // The program loses the tier the file names before the import runs.
            var program = s.server.loyalty.program
            program.tiers.removeAll { $0.code == "gold" }
            try s.server.loyalty.updateProgram(program)
            let failed = try #require(await s.server.imports.run(id: accepted.id, owner: "tester"))
            #expect(failed.state == .failed && failed.error?.contains("unknown tier") == true, "\(failed)")
            #expect(try await api.count("SELECT COUNT(*) FROM cards") == 0)
        }
    }
}
