import Foundation
import Logging
import Storage

/// Imports an existing client base from CSV, and exports cards and the ledger.
public final class ImportService: Sendable {
    let database: any Database
    let loyalty: LoyaltyService
    let logger: Logger

    init(database: any Database, loyalty: LoyaltyService, logger: Logger) {
        self.database = database
        self.loyalty = loyalty
        self.logger = logger
    }
}
