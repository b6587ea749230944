import Foundation

extension MockWallet {
    /// One call of the REST API under `/walletobjects/v1`: `path` as sent (percent-encoded),
    /// e.g. `/loyaltyObject/3388000000012345678.card-1/addMessage`.
    public mutating func rest(method: String, path: String, authorization: String?, body: [UInt8], now: Double) -> MockReply {
        let segments = path.split(separator: "/").map { String($0).removingPercentEncoding ?? String($0) }
        let route = Self.route(method: method, segments)
        record(route.kind)
        if down { return .unavailable }
        if !apiFaults.isEmpty { return Self.fault(apiFaults.removeFirst()) }
        guard authorized(authorization, now: now) else { return .unauthenticated }
        switch route.kind {
        case .classInsert: return insert(body, .loyaltyClass)
        case .classGet: return get(route.id, .loyaltyClass)
        case .classUpdate: return update(route.id, body, .loyaltyClass, now: now)
        case .classPatch: return patch(route.id, body, .loyaltyClass, now: now)
        case .objectInsert: return insert(body, .loyaltyObject)
        case .objectGet: return get(route.id, .loyaltyObject)
        case .objectUpdate: return update(route.id, body, .loyaltyObject, now: now)
        case .objectPatch: return patch(route.id, body, .loyaltyObject, now: now)
        case .addMessage: return addMessage(route.id, body, now: now)
        case .token, .other: return .googleError(404, "NOT_FOUND", "Method not found.", reason: "notFound")
        }
    }

    static func route(method: String, _ s: [String]) -> (kind: MockRequestKind, id: String) {
        switch (method, s.count, s.first) {
        case ("POST", 1, "loyaltyClass"): (.classInsert, "")
        case ("GET", 2, "loyaltyClass"): (.classGet, s[1])
        case ("PUT", 2, "loyaltyClass"): (.classUpdate, s[1])
        case ("PATCH", 2, "loyaltyClass"): (.classPatch, s[1])
        case ("POST", 1, "loyaltyObject"): (.objectInsert, "")
        case ("GET", 2, "loyaltyObject"): (.objectGet, s[1])
        case ("PUT", 2, "loyaltyObject"): (.objectUpdate, s[1])
        case ("PATCH", 2, "loyaltyObject"): (.objectPatch, s[1])
        case ("POST", 3, "loyaltyObject") where s[2] == "addMessage": (.addMessage, s[1])
        default: (.other, "")
        }
    }

    // MARK: Verbs

    enum Resource {
        case loyaltyClass, loyaltyObject

        var store: WritableKeyPath<MockWallet, [String: MockJSON]> {
            switch self {
            case .loyaltyClass: \.classes
            case .loyaltyObject: \.objects
            }
        }

        var kind: String {
            switch self {
            case .loyaltyClass: "walletobjects#loyaltyClass"
            case .loyaltyObject: "walletobjects#loyaltyObject"
            }
        }
    }

    private func check(_ resource: Resource, _ fields: [String: MockJSON], partial: Bool) -> MockReply? {
        switch resource {
        case .loyaltyClass: checkClass(fields, partial: partial)
        case .loyaltyObject: checkObject(fields, partial: partial)
        }
    }

    private mutating func insert(_ body: [UInt8], _ resource: Resource) -> MockReply {
        guard case .object(var fields)? = MockJSON(parsing: body) else { return Self.invalidJSON }
        guard let id = fields["id"]?.stringValue else { return .invalidArgument("Missing required field: id") }
        if let refused = checkID(id) ?? check(resource, fields, partial: false) { return refused }
        guard self[keyPath: resource.store][id] == nil else {
            return .googleError(409, "ALREADY_EXISTS", "Resource already exists: \(id)", reason: "duplicate")
        }
        fields["kind"] = .string(resource.kind)
        // The preference is for this one request; Google keeps no trace of it.
        fields["notifyPreference"] = nil
        self[keyPath: resource.store][id] = .object(fields)
        return MockReply(status: 200, body: .object(fields))
    }

    private func get(_ id: String, _ resource: Resource) -> MockReply {
        guard let stored = self[keyPath: resource.store][id] else { return .notFound(id) }
        return MockReply(status: 200, body: stored)
    }

    /// PUT: replaces everything but `kind`.
    private mutating func update(_ id: String, _ body: [UInt8], _ resource: Resource, now: Double) -> MockReply {
        guard case .object(let old)? = self[keyPath: resource.store][id] else { return .notFound(id) }
        guard case .object(var fields)? = MockJSON(parsing: body) else { return Self.invalidJSON }
        if let given = fields["id"], given != .string(id) { return .invalidArgument("The id in the body does not match the id in the URL: \(id)") }
        fields["id"] = .string(id)
        if let refused = check(resource, fields, partial: false) ?? keepsClass(old, fields) { return refused }
        notifyIfAsked(id, old: old, new: fields, now: now)
        fields["kind"] = old["kind"]
        fields["notifyPreference"] = nil
        self[keyPath: resource.store][id] = .object(fields)
        return MockReply(status: 200, body: .object(fields))
    }

    /// PATCH: the top-level fields given replace the stored ones (a list as a whole).
    private mutating func patch(_ id: String, _ body: [UInt8], _ resource: Resource, now: Double) -> MockReply {
        guard case .object(let old)? = self[keyPath: resource.store][id] else { return .notFound(id) }
        guard case .object(let changes)? = MockJSON(parsing: body) else { return Self.invalidJSON }
        if let given = changes["id"], given != .string(id) { return .invalidArgument("The id in the body does not match the id in the URL: \(id)") }
        if let refused = check(resource, changes, partial: true) { return refused }
        var fields = old
        fields.merge(changes) { _, new in new }
        if let refused = keepsClass(old, fields) { return refused }
        notifyIfAsked(id, old: old, new: fields, now: now)
        fields["notifyPreference"] = nil
        self[keyPath: resource.store][id] = .object(fields)
        return MockReply(status: 200, body: .object(fields))
    }

    /// `POST /loyaltyObject/{id}/addMessage` `{"message":{…}}`: appends to `messages`; a
    /// TEXT_AND_NOTIFY one past the object's 3 per 24 hours answers 429 and is not added
    /// (https://developers.google.com/wallet/retail/loyalty-cards/use-cases/trigger-push-notifications).
    private mutating func addMessage(_ id: String, _ body: [UInt8], now: Double) -> MockReply {
        guard case .object(var object)? = objects[id] else { return .notFound(id) }
        guard let parsed = MockJSON(parsing: body) else { return Self.invalidJSON }
        guard case .object(let message)? = parsed["message"] else { return .invalidArgument("Missing required field: message") }
        guard message["header"]?.stringValue != nil || message["body"]?.stringValue != nil else {
            return .invalidArgument("A message needs a header or a body.")
        }
        let type = message["messageType"].map { $0.stringValue.map(Self.canonical) }
        switch type {
        case nil, "TEXT"?, "EXPIRATION_NOTIFICATION"?:
            break
        case "TEXT_AND_NOTIFY"?:
            guard takeNotification(id, now: now) else {
                return .googleError(
                    429, "RESOURCE_EXHAUSTED",
                    "QuotaExceededException: at most \(notificationLimit) messages of type TEXT_AND_NOTIFY per object in 24 hours; send it as TEXT.",
                    reason: "quotaExceeded")
            }
        default:
            return .invalidArgument("Invalid value for messageType.")
        }
        object["messages"] = .array((object["messages"]?.arrayValue ?? []) + [.object(message)])
        objects[id] = .object(object)
        return MockReply(status: 200, body: .object(["resource": .object(object)]))
    }

    // MARK: Checks

    static let invalidJSON = MockReply.invalidArgument("Invalid JSON payload received.")

    /// Whether Google takes `id` for this issuer: `<issuerId>.<suffix>`, the suffix of ASCII
    /// letters, digits, `.`, `_` and `-`.
    public func isValidID(_ id: String) -> Bool { checkID(id) == nil }

    func checkID(_ id: String) -> MockReply? {
        let prefix = issuerID + "."
        let suffix = id.hasPrefix(prefix) ? id.dropFirst(prefix.count) : ""
        guard !suffix.isEmpty, suffix.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0)) }) else {
            return .invalidArgument(
                "Invalid resource ID: \(id). It must be \(issuerID).<suffix>, the suffix made of alphanumerics, '.', '_' or '-'.")
        }
        return nil
    }

    /// A class's required fields (all of them on insert and PUT; the ones present on PATCH).
    private func checkClass(_ fields: [String: MockJSON], partial: Bool) -> MockReply? {
        for name in ["issuerName", "programName"] where !partial || fields[name] != nil {
            guard let text = fields[name]?.stringValue, !text.isEmpty else { return .invalidArgument("Missing required field: \(name)") }
        }
        if !partial || fields["programLogo"] != nil {
            guard fields["programLogo"]?["sourceUri"]?["uri"]?.stringValue != nil else { return .invalidArgument("Missing required field: programLogo.sourceUri.uri") }
        }
        if !partial || fields["reviewStatus"] != nil {
            // Only these may be sent; Google sets APPROVED or REJECTED itself.
            guard let status = fields["reviewStatus"]?.stringValue.map(Self.canonical), ["UNDER_REVIEW", "DRAFT"].contains(status) else {
                return .invalidArgument("reviewStatus must be UNDER_REVIEW or DRAFT.")
            }
        }
        return nil
    }

    /// An object's required fields, and its class must exist.
    private func checkObject(_ fields: [String: MockJSON], partial: Bool) -> MockReply? {
        if !partial || fields["classId"] != nil {
            guard let classID = fields["classId"]?.stringValue else { return .invalidArgument("Missing required field: classId") }
            if let refused = checkID(classID) { return refused }
            guard classes[classID] != nil else { return .notFound(classID) }
        }
        if !partial || fields["state"] != nil {
            guard let state = fields["state"]?.stringValue.map(Self.canonical), ["ACTIVE", "COMPLETED", "EXPIRED", "INACTIVE"].contains(state) else {
                return .invalidArgument("Invalid value for state.")
            }
        }
        if let type = fields["barcode"]?["type"], type.stringValue == nil {
            return .invalidArgument("Invalid value for barcode.type.")
        }
        return nil
    }

    /// An object stays in its class.
    private func keepsClass(_ old: [String: MockJSON], _ new: [String: MockJSON]) -> MockReply? {
        guard let oldClass = old["classId"], new["classId"] != oldClass else { return nil }
        return .invalidArgument("classId cannot be changed.")
    }

    /// `notifyPreference: NOTIFY_ON_UPDATE` with a changed balance or tier takes a notification,
    /// while the quota lasts (past it the update is made, silently).
    private mutating func notifyIfAsked(_ id: String, old: [String: MockJSON], new: [String: MockJSON], now: Double) {
        guard new["notifyPreference"]?.stringValue.map(Self.canonical) == "NOTIFY_ON_UPDATE" else { return }
        let watched = ["loyaltyPoints", "secondaryLoyaltyPoints", "rewardsTier"]
        guard watched.contains(where: { old[$0] != new[$0] }) else { return }
        _ = takeNotification(id, now: now)
    }

    /// Google's enum spellings: `textAndNotify` and `TEXT_AND_NOTIFY` are one value.
    static func canonical(_ value: String) -> String {
        guard value.contains(where: \.isLowercase) else { return value }
        var out = ""
        for c in value {
            if c.isUppercase, !out.isEmpty { out.append("_") }
            out += c.uppercased()
        }
        return out
    }
}
