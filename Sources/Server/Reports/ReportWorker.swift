import Foundation
import Logging
import ServiceLifecycle
import Storage

/// Keeps the reports cheap: rolls up each hour once it is over (``ReportStore/rollUp(now:)``)
/// and counts the figures of the moment every few minutes, so a report over a year of a million
/// cards reads hourly sums and a recent copy instead of every row.
struct ReportWorker: Service {
    let reports: ReportService
    let logger: Logger
    var interval: Duration = .seconds(60)

    func run() async throws {
        // On shutdown the rollup in flight is cut: its transaction rolls back and is done again.
        try await cancelWhenGracefulShutdown { try await loop() }
    }

    private func loop() async throws {
        var lastCurrent: ContinuousClock.Instant?
        while !Task.isCancelled {
            do {
                try await reports.store.rollUp()
                if lastCurrent.map({ $0.duration(to: .now) >= .seconds(max(reports.currentMaxAge - 30, 0)) }) ?? true {
                    try await reports.refreshCurrent()
                    lastCurrent = .now
                }
            } catch is CancellationError {
                return
            } catch {
                logger.warning("reports: cannot roll up: \(error)")
            }
            try await Task.sleep(for: interval)
        }
    }
}
