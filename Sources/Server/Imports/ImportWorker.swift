import Foundation
import ServiceLifecycle

/// Runs accepted imports in the background: takes the oldest one with work left (queued, or
/// running after a restart once its lease has lapsed), runs it to the end, and looks again.
/// Started with the server; an import a server was running when it died is resumed from its
/// committed cursor by the next server (or the same one restarted) to look.
final class ImportWorker: Service, Sendable {
    let imports: ImportService
    let owner = UUID().uuidString

    init(imports: ImportService) {
        self.imports = imports
    }

    func run() async throws {
        while !ImportService.stopping {
            let id: Int64?
            do {
                id = try await imports.store.claimNext(owner: owner, leaseSeconds: imports.options.leaseSeconds)
            } catch {
                imports.logger.warning("imports: cannot look for work: \(error)")
                id = nil
            }
            if let id {
                imports.logger.info("import \(id): running")
                let left = await imports.run(id: id, owner: owner)
                // Not finished (it could not start, or another runner has it): look again later, not at once.
                if left.map({ $0.state == .queued || $0.state == .running }) ?? true {
                    await cancelWhenGracefulShutdown { _ = await self.imports.wakeup.wait(timeout: self.imports.options.pollInterval) }
                }
            } else {
                await cancelWhenGracefulShutdown { _ = await self.imports.wakeup.wait(timeout: self.imports.options.pollInterval) }
            }
        }
    }
}
