import Foundation
import Logging
import Storage

// The database's own rate for the bare equivalent of an accrual: one transaction that inserts an
// entry and updates a balance, from N concurrent tasks over M accounts.
// Usage: LedgerBenchmark DATABASE_URL [--seconds S] [--concurrency N] [--accounts M]

var args = CommandLine.arguments.dropFirst().makeIterator()
guard let url = args.next() else { print("usage: LedgerBenchmark DATABASE_URL [--seconds S] [--concurrency N] [--accounts M]"); exit(2) }
var seconds = 8.0
var concurrency = 32
var accounts = 100
while let a = args.next() {
    switch a {
    case "--seconds": seconds = Double(args.next() ?? "") ?? seconds
    case "--concurrency": concurrency = Int(args.next() ?? "") ?? concurrency
    case "--accounts": accounts = Int(args.next() ?? "") ?? accounts
    default: print("unknown argument \(a)"); exit(2)
    }
}
let (runSeconds, workers, accountCount) = (seconds, concurrency, accounts)
var logger = Logger(label: "bench")
logger.logLevel = .warning
let database = try await DatabaseURL.open(try DatabaseURL(parsing: url), logger: logger)
let (count, elapsed) = try await withThrowingTaskGroup(of: Int.self, returning: (Int, Double).self) { group in
    group.addTask { try await database.run(); return 0 }
    _ = try await database.transaction { db in
        try await db.query("DROP TABLE IF EXISTS bench_entries")
        try await db.query("DROP TABLE IF EXISTS bench_accounts")
        try await db.query("CREATE TABLE bench_accounts (id BIGINT PRIMARY KEY, balance BIGINT NOT NULL)")
        try await db.query("CREATE TABLE bench_entries (id \(db.dialect == .postgres ? "BIGSERIAL" : "INTEGER") PRIMARY KEY, account_id BIGINT NOT NULL, points BIGINT NOT NULL, created_at BIGINT NOT NULL)")
        for i in 0..<accountCount { try await db.query("INSERT INTO bench_accounts (id, balance) VALUES ($1, 0)", [.integer(Int64(i))]) }
    }
    let deadline = ContinuousClock.now + .milliseconds(Int64(runSeconds * 1000))
    let start = ContinuousClock.now
    let total = try await withThrowingTaskGroup(of: Int.self) { pool in
        for w in 0..<workers {
            pool.addTask {
                var n = 0
                var account = Int64(w % accountCount)
                while ContinuousClock.now < deadline {
                    let id = account
                    _ = try await database.transaction { db in
                        try await db.query("INSERT INTO bench_entries (account_id, points, created_at) VALUES ($1, 1, $2)", [.integer(id), .integer(Int64(Date().timeIntervalSince1970))])
                        try await db.query("UPDATE bench_accounts SET balance = balance + 1 WHERE id = $1", [.integer(id)])
                    }
                    n += 1
                    account = (account + Int64(workers)) % Int64(accountCount)
                }
                return n
            }
        }
        var sum = 0
        for try await n in pool { sum += n }
        return sum
    }
    let elapsed = (ContinuousClock.now - start).components
    _ = try await database.transaction { db in
        try await db.query("DROP TABLE bench_entries")
        try await db.query("DROP TABLE bench_accounts")
    }
    group.cancelAll()
    return (total, Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18)
}
try await database.shutdown()
print(String(format: "raw insert+update transactions: %d in %.1f s = %.0f/s (%d concurrent, %d accounts)", count, elapsed, Double(count) / elapsed, workers, accountCount))
print("RESULT raw_per_second=\(Int(Double(count) / elapsed))")
