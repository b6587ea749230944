import Foundation
import Loyalty
import Testing
import TestSupport

@testable import Storage

/// Phones are decoded once, in the store, into `PhoneNumber`: a stored value that is not a phone
/// fails the read and names the column, instead of reaching the server as `""`.
@Suite struct StoredPhoneTests {

    @Test(arguments: Engine.allCases)
    func aHouseholdPhoneIsDecodedOrTheReadFails(_ engine: Engine) async throws {
        try await RegistryStoreTests.withStore(engine) { store in
            let distribution = DistributionStore(database: store.database)
            let ids = try await store.database.transaction { db in
                var ids: [Int64] = []
                for phone in ["+79123456789", "not a phone"] {
                    let row = try await db.query(
                        "INSERT INTO accounts (phone, balance, turnover, tier, created_at) VALUES ($1, 0, 0, 'base', 0) RETURNING id", [.text(phone)])
                    ids.append(try #require(row.first?.int(0)))
                }
                return ids
            }
            #expect(try await distribution.householdPhone(accountID: ids[0]) == PhoneNumber(parsing: "+79123456789"))
            do {
                _ = try await distribution.householdPhone(accountID: ids[1])
                Issue.record("a damaged phone is an error")
            } catch let error as DatabaseError {
                #expect(error.description.contains("accounts.phone"))
            }
        }
    }
}
