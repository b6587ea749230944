import Bitrix24
import Foundation
import Loyalty
import PassBuilder
import Storage

extension Bitrix24Actions {
    /// What a deal event did, for the log and the tests.
    enum DealOutcome: Sendable, Hashable {
        case accrued(points: Int64, replayed: Bool)
        case reversed(points: Int64, replayed: Bool)
        /// Won before and accrued, then edited: the accrual stands as it was.
        case keptEarlierAccrual
        case ignored(String)
    }

    /// A deal changed: re-read it and apply the won-deal rule (``DealAccrualPolicy``) under the
    /// keys the robots use, so whichever of the event, its offline copy and the robot comes
    /// first accrues, and the others find it done.
    func dealChanged(_ id: Int64, client: Bitrix24Client) async throws -> DealOutcome {
        let deal: Deal
        do {
            deal = try Deal(try await Self.read(client, "crm.deal.get", id))
        } catch let refused as Refused {
            return .ignored(refused.message)
        } catch let unreadable as Bitrix24InputError {
            return .ignored("deal \(id) cannot be read: \(unreadable)")
        }
        do {
            return try await apply(policy.decide(deal), to: id, client: client)
        } catch let refused as Refused {
            return .ignored(refused.message)
        } catch let error as LedgerError {
            return .ignored("deal \(id): \(error)")
        }
    }

    private func apply(_ decision: DealAccrualDecision, to id: Int64, client: Bitrix24Client) async throws -> DealOutcome {
        switch decision {
        case .ignore(.notWon): return .ignored("deal \(id) is not won")
        case .ignore(.noAmount): return .ignored("deal \(id) has no amount")
        case .ignore(.otherCurrency(let currency)): return .ignored("deal \(id) is in \(currency), the program in \(policy.currency)")
        case .accrue(let amount, let key):
            let card = try await card(of: .deal(id), client: client)
            do {
                let result = try await loyalty.apply(.purchase(amount: amount), cardNumber: card.number, businessKey: key, comment: "Bitrix24 deal \(id) won")
                return .accrued(points: result.entry.points, replayed: result.replayed)
            } catch LedgerError.businessKeyConflict {
                return .keptEarlierAccrual
            }
        case .reverseIfAccrued(let accrualKey, let key):
            let card = try await card(of: .deal(id), client: client)
            guard let accrual = try await loyalty.ledger.entry(accountID: card.accountID, businessKey: accrualKey) else {
                return .ignored("deal \(id) was never accrued")
            }
            let result = try await loyalty.apply(.reversal(entryID: accrual.id), cardNumber: card.number, businessKey: key, comment: "Bitrix24 deal \(id) left the won stage")
            return .reversed(points: result.entry.points, replayed: result.replayed)
        }
    }
}
