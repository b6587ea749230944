import Foundation
import Storage

/// Links and messages as the routes use them.
extension DistributionService {
    /// Revokes every link that delivers the card (its own and its household's); how many there were.
    func revokeLinks(of card: CardRecord) async throws -> Int {
        try await store.revokeLinks(cardNumber: card.number, accountID: card.accountID)
    }

    /// A queued or sent message.
    func sms(id: Int64) async throws -> SmsRecord? {
        try await store.sms(id: id)
    }

    /// Counts a link's landing-page view, or its pass download.
    func noteVisit(of link: DownloadLinkRecord, download: Bool) async throws {
        try await store.count(linkID: link.id, download: download)
    }
}
