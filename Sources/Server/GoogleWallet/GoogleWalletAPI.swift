import Foundation
import GoogleWallet

/// `GET /api/v1/cards/{number}/google`: the card's "Save to Google Wallet" link, its object inserted first.
extension PasslineAPI {
    func getCardGoogleWallet(_ input: Operations.GetCardGoogleWallet.Input) async throws -> Operations.GetCardGoogleWallet.Output {
        guard let google else { throw APIError.notFound("Google Wallet is not configured on this server") }
        let card = try await existingCard(input.path.number)
        let (url, objects) = try await google.saveLink(for: [card])
        guard let object = objects.first else { throw APIError.notFound("no card \(card.number)") }
        return .ok(.init(body: .json(.init(
            classId: object.classID, lastError: object.lastError, objectId: object.objectID, saveUrl: url, saved: object.saved,
            syncState: .init(rawValue: object.syncState) ?? .pending, syncedAt: object.syncedAt))))
    }
}
