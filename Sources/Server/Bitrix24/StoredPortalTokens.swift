import Bitrix24
import Storage

/// The installed portal's tokens as the REST client needs them: unsealed from the store, and
/// sealed back after a refresh.
struct StoredPortalTokens: PortalTokenStore {
    let store: Bitrix24Store
    let sealer: TokenSealer
    let memberID: String

    struct Gone: Error, CustomStringConvertible {
        var description: String { "the Bitrix24 application is no longer installed" }
    }

    func tokens() async throws -> OAuthTokens {
        guard let portal = try await store.portal(), portal.memberID == memberID else { throw Gone() }
        return try sealer.open(portal.sealedTokens)
    }

    func replace(_ tokens: OAuthTokens) async throws {
        guard try await store.replaceTokens(memberID: memberID, sealed: try sealer.seal(tokens), clientEndpoint: tokens.clientEndpoint) else { throw Gone() }
    }
}
