import PassBuilder

/// What a portal posts when a user opens the app's tab in a CRM card (a placement): the portal,
/// the user's access token (`AUTH_ID`), which tab and which record. Some fields come in the query
/// string, the rest in the body; `form` is both, the body's winning.
public struct PlacementCall: Sendable, Hashable {
    public var memberID: String
    /// The portal's host, as the tab's frame ancestor.
    public var domain: String
    /// `PROTOCOL=1`: the portal is served over https (every cloud portal).
    public var https: Bool
    /// The user's interface language (`ru`, `en`, …).
    public var language: String
    /// The user's access token: confirmed with the portal (`user.current`) before anything is shown.
    public var authID: String
    /// Sent by current portals; compared with the install's when present.
    public var applicationToken: String?
    public var document: CRMDocument

    /// The tabs the app binds.
    public static let placements = ["CRM_DEAL_DETAIL_TAB", "CRM_CONTACT_DETAIL_TAB"]

    public init(_ form: FormFields) throws(Bitrix24InputError) {
        func required(_ key: String) throws(Bitrix24InputError) -> String {
            guard let value = form[key], !value.isEmpty else { throw .missing(key) }
            return value
        }
        memberID = try required("member_id")
        domain = try InboundAuth.host(try required("DOMAIN"), field: "DOMAIN")
        https = form["PROTOCOL"] != "0"
        language = form["LANG"].flatMap { $0.isEmpty ? nil : String($0.prefix(8)) } ?? "en"
        authID = try required("AUTH_ID")
        applicationToken = form["APPLICATION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        let placement = try required("PLACEMENT")
        // PLACEMENT_OPTIONS is a JSON string: {"ID":"8061","URI":"/crm/deal/details/8061/…"}.
        let options = try required("PLACEMENT_OPTIONS")
        guard let json = try? JSONValue(parsingLeniently: Array(options.utf8)), let id = CRMFields.id(json["ID"]) else {
            throw Bitrix24InputError("PLACEMENT_OPTIONS", "must be a JSON object with the record's ID")
        }
        switch placement {
        case "CRM_DEAL_DETAIL_TAB": document = .deal(id)
        case "CRM_CONTACT_DETAIL_TAB": document = .contact(id)
        default: throw Bitrix24InputError("PLACEMENT", "\(placement) is not one of the app's tabs (\(Self.placements.joined(separator: ", ")))")
        }
    }

    /// The portal's origin, for `Content-Security-Policy: frame-ancestors`.
    public var origin: String { (https ? "https://" : "http://") + domain }
}
