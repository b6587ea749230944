import Foundation
import Storage

/// The program's figures over a period, for the reports API and the dashboard.
public final class ReportService: Sendable {
    let database: any Database
    let loyalty: LoyaltyService

    init(database: any Database, loyalty: LoyaltyService) {
        self.database = database
        self.loyalty = loyalty
    }
}
