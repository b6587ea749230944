import PassBuilder

extension MockPortal {
    /// `GET /oauth/token/?grant_type=refresh_token&client_id=…&client_secret=…&refresh_token=…`:
    /// a new access token and a new refresh token, which replaces the old one (Bitrix24, "OAuth
    /// 2.0 protocol: extending authorization").
    public mutating func refresh(_ query: [String: String]) -> MockReply {
        guard query["grant_type"] == "refresh_token" else { return .error(400, "invalid_request", "grant_type must be refresh_token") }
        guard query["client_id"] == clientID, query["client_secret"] == clientSecret else {
            return .error(401, "invalid_client", "Invalid client credentials")
        }
        guard let presented = query["refresh_token"], presented == refreshToken else {
            return .error(400, "invalid_grant", "Invalid grant")
        }
        tokenSerial += 1
        expiredTokens.formUnion(accessTokens)
        let access = "mock-access-\(tokenSerial)"
        accessTokens = [access]
        refreshToken = "mock-refresh-\(tokenSerial)"
        return MockReply(status: 200, body: .object([
            "access_token": .string(access), "refresh_token": .string(refreshToken), "expires_in": .integer(3600),
            "expires": .integer(0), "client_endpoint": .string(clientEndpoint), "server_endpoint": .string("https://oauth.bitrix.info/rest/"),
            "domain": .string("oauth.bitrix.info"), "member_id": .string(memberID), "scope": .string("crm,bizproc,placement,user"),
            "status": .string("L"), "user_id": .integer(1),
        ]))
    }
}
