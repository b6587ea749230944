import Core

/// The loyalty class and object calls of the Wallet REST API
/// (https://developers.google.com/wallet/reference/rest/v1/loyaltyclass,
/// https://developers.google.com/wallet/reference/rest/v1/loyaltyobject), each answered with a
/// ``GoogleCallOutcome``. A 401 drops the token and the call is made once more with a fresh one.
/// Nothing here logs; tokens go only into the `Authorization` header.
public struct GoogleWalletClient: Sendable {
    /// `https://walletobjects.googleapis.com/walletobjects/v1`, or a mock's; no trailing `/`.
    public let apiURL: String
    public let tokens: GoogleAccessTokens
    let send: GoogleSend
    let timeout: Duration

    public init(apiURL: String, tokens: GoogleAccessTokens, send: @escaping GoogleSend, timeout: Duration = .seconds(30)) {
        self.apiURL = apiURL.hasSuffix("/") ? String(apiURL.dropLast()) : apiURL
        self.tokens = tokens
        self.send = send
        self.timeout = timeout
    }

    /// A client with its own token cache, for `configuration`.
    public init(configuration: GoogleWalletConfiguration, send: @escaping GoogleSend, timeout: Duration = .seconds(30)) {
        self.init(
            apiURL: configuration.apiURL,
            tokens: GoogleAccessTokens(account: configuration.account, tokenURL: configuration.tokenURL, send: send, timeout: timeout),
            send: send, timeout: timeout)
    }

    // MARK: Classes

    /// `POST /loyaltyClass`: 409 ``GoogleCallOutcome/conflict`` if the id exists.
    public func insertClass(_ json: [UInt8]) async -> GoogleCallOutcome {
        await call("POST", "/loyaltyClass", json)
    }

    /// `GET /loyaltyClass/{id}`.
    public func getClass(id: GoogleWalletID) async -> GoogleCallOutcome {
        await call("GET", "/loyaltyClass/" + Self.escape(id), nil)
    }

    /// `PUT /loyaltyClass/{id}`: replaces the class (fields left out are cleared).
    public func updateClass(id: GoogleWalletID, _ json: [UInt8]) async -> GoogleCallOutcome {
        await call("PUT", "/loyaltyClass/" + Self.escape(id), json)
    }

    /// `PATCH /loyaltyClass/{id}`: sets the fields given.
    public func patchClass(id: GoogleWalletID, _ json: [UInt8]) async -> GoogleCallOutcome {
        await call("PATCH", "/loyaltyClass/" + Self.escape(id), json)
    }

    // MARK: Objects

    /// `POST /loyaltyObject`: 409 ``GoogleCallOutcome/conflict`` if the id exists.
    public func insertObject(_ json: [UInt8]) async -> GoogleCallOutcome {
        await call("POST", "/loyaltyObject", json)
    }

    /// `GET /loyaltyObject/{id}`.
    public func getObject(id: GoogleWalletID) async -> GoogleCallOutcome {
        await call("GET", "/loyaltyObject/" + Self.escape(id), nil)
    }

    /// `PUT /loyaltyObject/{id}`: replaces the object.
    public func updateObject(id: GoogleWalletID, _ json: [UInt8]) async -> GoogleCallOutcome {
        await call("PUT", "/loyaltyObject/" + Self.escape(id), json)
    }

    /// `PATCH /loyaltyObject/{id}`: sets the fields given (a list given replaces the whole list).
    public func patchObject(id: GoogleWalletID, _ json: [UInt8]) async -> GoogleCallOutcome {
        await call("PATCH", "/loyaltyObject/" + Self.escape(id), json)
    }

    /// `POST /loyaltyObject/{id}/addMessage` with `{"message": …}`: the message shows on the card;
    /// a `TEXT_AND_NOTIFY` one also notifies the phone, at most 3 per card per 24 hours, after
    /// which Google answers 429 (``GoogleCallOutcome/retryLater(_:)`` with
    /// ``GoogleRetryReason/isRateLimited``): send it as `TEXT` instead
    /// (https://developers.google.com/wallet/retail/loyalty-cards/use-cases/trigger-push-notifications).
    public func addMessage(objectID: GoogleWalletID, message: GoogleMessage) async -> GoogleCallOutcome {
        struct Request: Encodable { var message: GoogleMessage }
        guard let body = try? GoogleJSON.encode(Request(message: message)) else {
            return .rejected(status: nil, message: "the message cannot be encoded as JSON")
        }
        return await call("POST", "/loyaltyObject/" + Self.escape(objectID) + "/addMessage", body)
    }

    // MARK: Typed bodies

    /// `POST /loyaltyClass` of the class, encoded.
    public func insertClass(_ loyaltyClass: GoogleLoyaltyClass) async -> GoogleCallOutcome {
        await encoded(loyaltyClass) { await insertClass($0) }
    }

    /// `PUT` of the whole class under its id.
    public func updateClass(_ loyaltyClass: GoogleLoyaltyClass) async -> GoogleCallOutcome {
        await encoded(loyaltyClass) { await updateClass(id: loyaltyClass.id, $0) }
    }

    /// `POST /loyaltyObject` of the object, encoded.
    public func insertObject(_ object: GoogleLoyaltyObject) async -> GoogleCallOutcome {
        await encoded(object) { await insertObject($0) }
    }

    /// `PUT` of the whole object under its id.
    public func updateObject(_ object: GoogleLoyaltyObject) async -> GoogleCallOutcome {
        await encoded(object) { await updateObject(id: object.id, $0) }
    }

    /// `PATCH` of the fields `patch` sets.
    public func patchObject(id: GoogleWalletID, _ patch: GoogleLoyaltyObjectPatch) async -> GoogleCallOutcome {
        await encoded(patch) { await patchObject(id: id, $0) }
    }

    private func encoded(_ value: some Encodable, _ body: ([UInt8]) async -> GoogleCallOutcome) async -> GoogleCallOutcome {
        guard let json = try? GoogleJSON.encode(value) else { return .rejected(status: nil, message: "the body cannot be encoded as JSON") }
        return await body(json)
    }

    // MARK: Sending

    private func call(_ method: String, _ path: String, _ body: [UInt8]?) async -> GoogleCallOutcome {
        var renewed = false
        while true {
            let token: GoogleAccessToken
            do {
                token = try await tokens.token()
            } catch {
                return error.isRetryable ? .retryLater(.token(error)) : .rejected(status: nil, message: error.description)
            }
            var headers = [("Authorization", "Bearer " + token.value), ("Accept", "application/json")]
            if body != nil { headers.append(("Content-Type", "application/json; charset=utf-8")) }
            let request = OutboundRequest(method: method, url: apiURL + path, headers: headers, body: body ?? [], timeout: timeout)
            let response: OutboundResponse
            do {
                response = try await send(request)
            } catch let error as OutboundHTTPError {
                return error.isRetryable ? .retryLater(.transport(error)) : .rejected(status: nil, message: error.description)
            } catch {
                return .retryLater(.transport(.transport("the sender failed: \(type(of: error))")))
            }
            // A token can die before its time (revoked, or Google's clock): renew once; a second
            // 401 with a fresh token means the account itself lacks access.
            if response.status == 401 {
                await tokens.invalidate(token)
                if !renewed {
                    renewed = true
                    continue
                }
            }
            return GoogleCallOutcome(response)
        }
    }

    /// An id as one path segment: percent-encodes all but RFC 3986's unreserved characters (a
    /// valid id has no others; this keeps any other from changing the path).
    static func escape(_ id: GoogleWalletID) -> String { FormBody.escape(id.value) }
}
