/// An event a portal posts to the app's handler (form-encoded; only ids, never the object).
public enum PortalEvent: Sendable, Hashable {
    /// `ONAPPINSTALL`: the portal installed the app; the tokens are required.
    case install(InboundAuth, tokens: OAuthTokens, language: String?)
    /// `ONAPPUNINSTALL`: no tokens; the application token is the only check.
    case uninstall(InboundAuth)
    /// A CRM change: the id of what changed, to be re-read.
    case crm(InboundAuth, CRMEventName, id: Int64)

    /// The caller's claim, to check against the stored install.
    public var auth: InboundAuth {
        switch self {
        case .install(let auth, _, _), .uninstall(let auth), .crm(let auth, _, _): auth
        }
    }

    /// Reads an event form. Unknown event names are refused: the app binds only the ones it handles.
    public init(_ form: FormFields) throws(Bitrix24InputError) {
        guard let name = form["event"], !name.isEmpty else { throw .missing("event") }
        let auth = try InboundAuth(form)
        switch name.uppercased() {
        case "ONAPPINSTALL":
            guard let tokens = auth.tokens else { throw .missing("auth[access_token] and auth[refresh_token]") }
            self = .install(auth, tokens: tokens, language: form["data", "LANGUAGE_ID"])
        case "ONAPPUNINSTALL":
            self = .uninstall(auth)
        default:
            guard let event = CRMEventName(rawValue: name.uppercased()) else {
                throw Bitrix24InputError("event", "\(name) is not an event this app handles")
            }
            guard let text = form["data", "FIELDS", "ID"], let id = Int64(text), id > 0 else {
                throw Bitrix24InputError("data[FIELDS][ID]", "must be a positive whole number")
            }
            self = .crm(auth, event, id: id)
        }
    }
}

/// The CRM events the app binds.
public enum CRMEventName: String, Sendable, Hashable, CaseIterable {
    case dealUpdate = "ONCRMDEALUPDATE"
    case contactUpdate = "ONCRMCONTACTUPDATE"
    case contactAdd = "ONCRMCONTACTADD"
    case leadAdd = "ONCRMLEADADD"
}
