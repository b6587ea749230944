import Bitrix24
import Core

/// The form-encoded POSTs a portal sends to the app: install, events and robot calls, with the
/// portal's `auth[...]`; tests post them to the server under test.
extension MockPortal {
    func auth(tokens: Bool, applicationToken: String? = nil) -> [(String, String)] {
        var fields = [
            ("auth[domain]", domain), ("auth[member_id]", memberID), ("auth[application_token]", applicationToken ?? self.applicationToken),
            ("auth[client_endpoint]", clientEndpoint), ("auth[server_endpoint]", "https://oauth.bitrix.info/rest/"), ("auth[status]", "L"),
        ]
        if tokens, let access = accessTokens.first {
            fields += [("auth[access_token]", access), ("auth[refresh_token]", refreshToken), ("auth[expires_in]", "3600"), ("auth[scope]", "crm,bizproc,placement,user")]
        }
        return fields
    }

    /// `ONAPPINSTALL`, with the tokens, as the portal posts it to the install URL.
    public func installForm() -> [UInt8] {
        var fields = [("event", "ONAPPINSTALL"), ("data[VERSION]", "1"), ("data[ACTIVE]", "Y"), ("data[INSTALLED]", "Y"), ("data[LANGUAGE_ID]", "ru"), ("ts", "1736405807")]
        fields += auth(tokens: true)
        return Self.encode(fields)
    }

    /// `ONAPPUNINSTALL`: no tokens.
    public func uninstallForm(applicationToken: String? = nil) -> [UInt8] {
        Self.encode([("event", "ONAPPUNINSTALL"), ("data[CLEAN]", "0"), ("ts", "1736405807")] + auth(tokens: false, applicationToken: applicationToken))
    }

    /// A CRM event for object `id`, without tokens (caused by automation, as ours are).
    public func eventForm(_ event: String, id: Int64, applicationToken: String? = nil) -> [UInt8] {
        Self.encode([("event", event), ("event_handler_id", "201"), ("data[FIELDS][ID]", String(id)), ("ts", "1736405807")] + auth(tokens: false, applicationToken: applicationToken))
    }

    /// A robot's call: issues its event token and returns the form and the token. `waits`: the
    /// business process waits that many seconds from `sentAt` (unix time) for the answer.
    public mutating func robotCallForm(
        _ code: String, document: CRMDocument, properties: [String: String], applicationToken: String? = nil, sentAt: Int64 = 1736405807, waits: Int64 = 0
    ) -> (form: [UInt8], eventToken: String) {
        let token = issueEventToken(robot: code)
        let parts = document.parts
        var fields = [
            ("workflow_id", "wf-\(tokenCounter)"), ("code", code), ("document_id[0]", parts[0]), ("document_id[1]", parts[1]), ("document_id[2]", parts[2]),
            ("document_type[0]", "crm"), ("document_type[1]", parts[1]), ("document_type[2]", String(parts[2].prefix { $0 != "_" })),
            ("event_token", token), ("use_subscription", "Y"), ("timeout_duration", String(waits)), ("ts", String(sentAt)),
        ]
        fields += properties.sorted { $0.key < $1.key }.map { ("properties[\($0.key)]", $0.value) }
        fields += auth(tokens: false, applicationToken: applicationToken)
        return (Self.encode(fields), token)
    }
    /// What the portal posts into the tab's iframe when a user opens it: the user's token as
    /// `AUTH_ID`, the tab and the record. `https: false` for a portal served over plain http (the
    /// browser test's).
    public func placementFields(_ placement: String, id: Int64, userToken: String = "mock-user-token", memberID: String? = nil, https: Bool = true) -> [(String, String)] {
        [
            ("DOMAIN", domain), ("PROTOCOL", https ? "1" : "0"), ("LANG", "ru"), ("APP_SID", "mock-app-sid"),
            ("AUTH_ID", userToken), ("AUTH_EXPIRES", "3600"), ("REFRESH_ID", "mock-user-refresh"), ("member_id", memberID ?? self.memberID),
            ("status", "L"), ("PLACEMENT", placement), ("PLACEMENT_OPTIONS", #"{"ID":"\#(id)","URI":"/crm/\#(placement.contains("DEAL") ? "deal" : "contact")/details/\#(id)/?IFRAME=Y&IFRAME_TYPE=SIDE_SLIDER"}"#),
            ("APPLICATION_TOKEN", applicationToken),
        ]
    }

    public func placementForm(_ placement: String, id: Int64, userToken: String = "mock-user-token", memberID: String? = nil) -> [UInt8] {
        Self.encode(placementFields(placement, id: id, userToken: userToken, memberID: memberID))
    }

    /// The portal's record page with the app's tab: an iframe the placement form is posted into,
    /// as the portal does (the handler bound with `placement.bind`).
    public func recordPage(_ placement: String, id: Int64) -> String? {
        guard let handler = placements.first(where: { $0.placement == placement })?.handler else { return nil }
        let escape = HTMLText.escape
        let inputs = placementFields(placement, id: id, https: false).map { #"<input type="hidden" name="\#(escape($0.0))" value="\#(escape($0.1))">"# }.joined()
        return """
            <!doctype html><html><head><meta charset="utf-8"><title>Bitrix24 mock: \(placement) \(id)</title></head>
            <body><h1>\(placement) \(id)</h1>
            <form id="placement" method="post" target="app" action="\(escape(handler))">\(inputs)</form>
            <iframe name="app" id="app" style="width:420px;height:900px;border:1px solid #ccc"></iframe>
            <script>document.getElementById('placement').submit();</script></body></html>
            """
    }

    static func encode(_ fields: [(String, String)]) -> [UInt8] { FormBody.encode(fields) }
}
