import Foundation
import Synchronization

/// Starts child processes one at a time. Foundation's `Process.run()` on Linux crashed once
/// (a bad pointer in its memcpy) while the parallel tests were starting several children at
/// once; launching is quick, so every test launch goes through this one lock.
package enum ProcessLaunch {
    private static let lock = Mutex(())

    package static func run(_ process: Process) throws {
        try lock.withLock { _ in try process.run() }
    }
}
