/// A CRM object as business processes name it: `document_id` = `crm`, `CCrmDocumentDeal`,
/// `DEAL_123`, the numeric id after the last `_`.
public enum CRMDocument: Sendable, Hashable, CustomStringConvertible {
    case deal(Int64)
    case contact(Int64)
    case lead(Int64)
    case company(Int64)

    /// Reads the three parts of `document_id[]`.
    public init(_ parts: [String]) throws(Bitrix24InputError) {
        guard parts.count == 3, parts[0] == "crm" else {
            throw Bitrix24InputError("document_id", "must be three parts: crm, the document class, TYPE_ID")
        }
        let name = parts[2]
        guard let underscore = name.lastIndex(of: "_"), let id = Int64(name[name.index(after: underscore)...]), id > 0 else {
            throw Bitrix24InputError("document_id[2]", "must end in _ and a positive id, e.g. DEAL_123")
        }
        switch (parts[1], name[..<underscore]) {
        case ("CCrmDocumentDeal", "DEAL"): self = .deal(id)
        case ("CCrmDocumentContact", "CONTACT"): self = .contact(id)
        case ("CCrmDocumentLead", "LEAD"): self = .lead(id)
        case ("CCrmDocumentCompany", "COMPANY"): self = .company(id)
        default: throw Bitrix24InputError("document_id", "\(parts[1]) \(name) is not a deal, contact, lead or company")
        }
    }

    /// The three parts, as Bitrix24 writes them.
    public var parts: [String] {
        switch self {
        case .deal(let id): ["crm", "CCrmDocumentDeal", "DEAL_\(id)"]
        case .contact(let id): ["crm", "CCrmDocumentContact", "CONTACT_\(id)"]
        case .lead(let id): ["crm", "CCrmDocumentLead", "LEAD_\(id)"]
        case .company(let id): ["crm", "CCrmDocumentCompany", "COMPANY_\(id)"]
        }
    }

    public var description: String { parts[2] }
}
