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
        switch policy.decide(deal) {
        case .ignore(let reason):
            switch reason {
            case .notWon: return .ignored("deal \(id) is not won")
            case .noAmount: return .ignored("deal \(id) has no amount")
            case .otherCurrency(let currency): return .ignored("deal \(id) is in \(currency), the program in \(policy.currency)")
            }
        case .accrue(let amount, let key):
            let card: CardRecord
            do {
                guard let found = try await cards(of: .deal(id), client: client).first else { return .ignored("deal \(id): its contacts have no card") }
                card = found
            } catch let refused as Refused {
                return .ignored(refused.message)
            }
            do {
                let result = try await loyalty.apply(.purchase(amount: amount), cardNumber: card.number, businessKey: key, comment: "Bitrix24 deal \(id) won")
                return .accrued(points: result.entry.points, replayed: result.replayed)
            } catch LedgerError.businessKeyConflict {
                return .keptEarlierAccrual
            } catch let error as LedgerError {
                return .ignored("deal \(id): \(error)")
            }
        case .reverseIfAccrued(let accrualKey, let key):
            let card: CardRecord
            do {
                guard let found = try await cards(of: .deal(id), client: client).first else { return .ignored("deal \(id): its contacts have no card") }
                card = found
            } catch let refused as Refused {
                return .ignored(refused.message)
            }
            guard let accrual = try await loyalty.ledger.entry(accountID: card.accountID, businessKey: accrualKey) else {
                return .ignored("deal \(id) was never accrued")
            }
            do {
                let result = try await loyalty.apply(.reversal(entryID: accrual.id), cardNumber: card.number, businessKey: key, comment: "Bitrix24 deal \(id) left the won stage")
                return .reversed(points: result.entry.points, replayed: result.replayed)
            } catch let error as LedgerError {
                return .ignored("deal \(id): \(error)")
            }
        }
    }
}
