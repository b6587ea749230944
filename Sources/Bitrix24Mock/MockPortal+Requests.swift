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

    /// A robot's call: issues its event token and returns the form and the token.
    public mutating func robotCallForm(_ code: String, document: CRMDocument, properties: [String: String], applicationToken: String? = nil) -> (form: [UInt8], eventToken: String) {
        let token = issueEventToken(robot: code)
        let parts = document.parts
        var fields = [
            ("workflow_id", "wf-\(tokenCounter)"), ("code", code), ("document_id[0]", parts[0]), ("document_id[1]", parts[1]), ("document_id[2]", parts[2]),
            ("document_type[0]", "crm"), ("document_type[1]", parts[1]), ("document_type[2]", String(parts[2].prefix { $0 != "_" })),
            ("event_token", token), ("use_subscription", "Y"), ("timeout_duration", "0"), ("ts", "1736405807"),
        ]
        fields += properties.sorted { $0.key < $1.key }.map { ("properties[\($0.key)]", $0.value) }
        fields += auth(tokens: false, applicationToken: applicationToken)
        return (Self.encode(fields), token)
    }
    static func encode(_ fields: [(String, String)]) -> [UInt8] { FormBody.encode(fields) }
}
