import Bitrix24
import Core
import Crypto
import Foundation
import Logging
import PassBuilder
import Storage

/// The Bitrix24 application's front door: installs and uninstalls, checks that every request
/// comes from the installed portal, and queues what the portal asked for (the worker acts).
struct Bitrix24Service: Sendable {
    let store: Bitrix24Store
    let sealer: TokenSealer
    /// Signs the card tab's action tokens.
    let placementTokens: PlacementTokens
    let settings: Bitrix24Settings
    let publicURL: String
    /// Calls to the portal and its OAuth server.
    let http: any OutboundHTTPClient
    /// Wakes the worker after something was queued.
    let queued: ChangeSignal

    /// Why a request from a portal was refused; nothing was written.
    enum Refusal: Error, Sendable, Equatable {
        case badInput(Bitrix24InputError)
        /// Not the installed portal, or not its application token.
        case unauthorized(String)
        /// A second portal's install.
        case otherPortal(installed: String)
        /// Bitrix24 cannot be reached to check the request.
        case unavailable(String)
        /// A request the portal sends once, sent again.
        case replayed(String)
        /// A mode this server is not configured for.
        case notConfigured(String)
    }

    /// `ONAPPINSTALL`: confirmed with the OAuth server, then the portal and its sealed tokens
    /// stored and the registrations queued.
    ///
    /// Anyone can post a form to the install URL, so the form alone proves nothing: its refresh
    /// token is exchanged at `PASSLINE_B24_OAUTH_URL` with this app's client id and secret, which
    /// works only for tokens issued to this app, and the OAuth server's answer names the portal
    /// (its member id must be the form's; its REST endpoint is the one kept). Without the app's
    /// credentials nothing can be confirmed (nor a token renewed), so the install is refused.
    func install(_ form: FormFields, now: Date = Date()) async throws -> PortalInstallOutcome {
        let event: PortalEvent
        do { event = try PortalEvent(form) } catch { throw Refusal.badInput(error) }
        guard case .install(let auth, let tokens, _) = event else { throw Refusal.badInput(Bitrix24InputError("event", "must be ONAPPINSTALL at the install URL")) }
        guard let app = settings.app else {
            throw Refusal.notConfigured("the Bitrix24 application is not configured on this server: set PASSLINE_B24_CLIENT_ID and PASSLINE_B24_CLIENT_SECRET (the local application's), then install it again")
        }
        // Another portal's install is refused before its tokens are spent.
        if let current = try await store.portal(), current.memberID != auth.memberID { throw Refusal.otherPortal(installed: current.domain) }
        let confirmed: OAuthTokens
        do {
            let (fresh, member) = try await Bitrix24Client.exchange(tokens, app: app, http: http)
            guard member == auth.memberID else {
                throw Refusal.unauthorized("the OAuth server does not confirm the portal \(auth.memberID) for these tokens")
            }
            confirmed = fresh
        } catch let error as Bitrix24CallError {
            if case .unreachable = error { throw Refusal.unavailable("the Bitrix24 OAuth server cannot be reached to confirm the install: \(error)") }
            throw Refusal.unauthorized("the OAuth server refuses the install's tokens for this application: \(error)")
        }
        let portal = Bitrix24Portal(
            memberID: auth.memberID, domain: auth.domain, applicationToken: auth.applicationToken, clientEndpoint: confirmed.clientEndpoint,
            sealedTokens: try sealer.seal(confirmed), installedAt: now, updatedAt: now)
        let outcome = try await store.install(portal, queueing: Bitrix24Registration.calls(publicURL: publicURL))
        if case .refused(let installed) = outcome { throw Refusal.otherPortal(installed: installed) }
        queued.signal()
        return outcome
    }

    /// The installed portal, when `auth` is its own: the member id and the application token
    /// (compared in constant time) must both match.
    func verify(_ auth: InboundAuth) async throws -> Bitrix24Portal {
        guard let portal = try await store.portal() else { throw Refusal.unauthorized("the application is not installed") }
        guard portal.memberID == auth.memberID, sameToken(auth.applicationToken, portal)
        else { throw Refusal.unauthorized("not the installed portal's application token") }
        return portal
    }

    /// Whether `token` is the portal's application token. Digests compare in constant time
    /// whatever the lengths (as the admin token does).
    func sameToken(_ token: String, _ portal: Bitrix24Portal) -> Bool {
        SHA256.hash(data: Array(portal.applicationToken.utf8)) == SHA256.hash(data: Array(token.utf8))
    }

    /// The installed portal and a client that calls it as the app; nil when none is installed.
    /// `interactive`: for a person waiting, calls refused by the portal's limit are repeated.
    func appClient(http: any OutboundHTTPClient, interactive: Bool = false) async throws -> (portal: Bitrix24Portal, client: Bitrix24Client)? {
        guard let portal = try await store.portal() else { return nil }
        let app = settings.app ?? OAuthApp(clientID: "", clientSecret: "", serverURL: settings.oauthURL)
        let tokens = StoredPortalTokens(store: store, sealer: sealer, memberID: portal.memberID)
        return (portal, Bitrix24Client(http: http, access: .app(app, tokens), limitRetries: interactive ? 3 : 0))
    }

    /// `ONAPPUNINSTALL`, or any other event: checked, then acted on or queued.
    func receive(_ form: FormFields, now: Date = Date()) async throws {
        let event: PortalEvent
        do { event = try PortalEvent(form) } catch { throw Refusal.badInput(error) }
        let portal = try await verify(event.auth)
        switch event {
        case .install:
            throw Refusal.badInput(Bitrix24InputError("event", "ONAPPINSTALL goes to /bitrix24/install"))
        case .uninstall:
            try await store.uninstall(memberID: portal.memberID)
        case .crm(_, let name, let id):
            try await store.enqueue(.inbox, [Self.eventItem(name, id: id)], now: now)
            queued.signal()
        }
    }

    /// A robot's call: checked, then queued to act on; a call with bad properties is answered at
    /// once with `error` in its return values (through the outbox), and nothing else happens.
    func robot(_ form: FormFields, now: Date = Date()) async throws {
        let call: RobotCall
        do { call = try RobotCall(form) } catch { throw Refusal.badInput(error) }
        _ = try await verify(call.auth)
        if call.expired(now: now) {
            throw Refusal.badInput(Bitrix24InputError("event_token", "expired: the business process stopped waiting at \(call.deadline!) (ts + timeout_duration); nothing was done"))
        }
        // A replayed call: the portal sends each event token once.
        if try await store.isDone(Self.answeredKey(call.eventToken)) {
            throw Refusal.replayed("this robot call (its event_token) was already answered; nothing was done")
        }
        var payload = JSONValue.object([
            "robot": .string(call.robot.rawValue), "workflow": .string(call.workflowID), "document": .array(call.document.parts.map(JSONValue.string)),
            "event_token": .string(call.eventToken), "properties": .object(call.properties.mapValues(JSONValue.string)),
        ])
        if let deadline = call.deadline, case .object(var members) = payload {
            members["deadline"] = .integer(Int64(deadline.timeIntervalSince1970))
            payload = .object(members)
        }
        do {
            _ = try RobotInput(call)
            try await store.enqueue(.inbox, [NewPortalQueueItem(kind: call.robot.rawValue, payload: String(decoding: payload.serialized(), as: UTF8.self))], now: now)
        } catch let error as Bitrix24InputError {
            try await store.enqueue(.outbox, [Self.answer(call.eventToken, ["error": .string(error.description)])], now: now)
        }
        queued.signal()
    }

    /// A business process's outgoing webhook (webhook mode): the shared `key` checked (compared in
    /// constant time), the call validated, then queued for the worker, which re-reads the document
    /// through the configured incoming webhook.
    func webhook(_ action: String, query: [String: String], form: FormFields, now: Date = Date()) async throws {
        guard let expected = settings.webhookKey else { throw Refusal.notConfigured("webhook mode is off: set PASSLINE_B24_WEBHOOK_URL and PASSLINE_B24_WEBHOOK_KEY") }
        guard SHA256.hash(data: Array(expected.utf8)) == SHA256.hash(data: Array((query["key"] ?? "").utf8)) else {
            throw Refusal.unauthorized("the key in the webhook's query is not this server's PASSLINE_B24_WEBHOOK_KEY")
        }
        guard let action = WebhookAction(rawValue: action) else {
            throw Refusal.badInput(Bitrix24InputError("action", "\(action) is not one of \(WebhookAction.allCases.map(\.rawValue).joined(separator: ", "))"))
        }
        let parts = form.list("document_id")
        var params = query
        params["key"] = nil
        do { _ = try WebhookCall(action, document: parts, query: params) } catch { throw Refusal.badInput(error) }
        let payload = JSONValue.object(["document": .array(parts.map(JSONValue.string)), "query": .object(params.mapValues(JSONValue.string))])
        try await store.enqueue(.inbox, [NewPortalQueueItem(kind: action.kind, payload: String(decoding: payload.serialized(), as: UTF8.self))], now: now)
        queued.signal()
    }

    /// A CRM event to act on. One waits per object and event: the portal's own queue keeps only
    /// the latest state, and so does the inbox (an online event and its offline copy are one).
    static func eventItem(_ name: CRMEventName, id: Int64) -> NewPortalQueueItem {
        NewPortalQueueItem(kind: name.rawValue, key: "\(name.rawValue):\(id)", payload: #"{"id":\#(id)}"#)
    }

    /// The marker of a robot call answered (its event token is spent).
    static func answeredKey(_ eventToken: String) -> String { "robot:" + eventToken }

    /// `bizproc.event.send` with the robot's return values.
    static func answer(_ eventToken: String, _ values: [String: JSONValue]) -> NewPortalQueueItem {
        let params = JSONValue.object(["event_token": .string(eventToken), "return_values": .object(values)])
        return NewPortalQueueItem(kind: "bizproc.event.send", payload: String(decoding: params.serialized(), as: UTF8.self))
    }
}
