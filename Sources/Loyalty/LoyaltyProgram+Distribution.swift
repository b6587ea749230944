// Optional program settings for distribution: the self-registration form and SMS. Optional, so a
// program without them issues cards only through the API.
// Absent from older program files: decoding leaves them nil and the defaults apply.

/// The self-registration page (`/join`). Without it (or without a policy URL) the page is closed.
public struct JoinSettings: Sendable, Hashable, Codable {
    /// The personal-data processing policy the consent checkbox links to: http(s), required.
    public var policyURL: String
    /// How many children's names the form asks for (0–9; 0 = none). Each becomes a card of the household.
    public var children: Int
    /// Shown above the form; defaults to the program's name.
    public var title: String?

    public init(policyURL: String, children: Int = 0, title: String? = nil) {
        self.policyURL = policyURL
        self.children = children
        self.title = title
    }

    enum CodingKeys: String, CodingKey { case policyURL, children, title }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        policyURL = try c.decode(String.self, forKey: .policyURL)
        children = try c.decodeIfPresent(Int.self, forKey: .children) ?? 0
        title = try c.decodeIfPresent(String.self, forKey: .title)
    }
}

/// SMS: language, budget, opt-in notifications and text overrides.
public struct SmsSettings: Sendable, Hashable, Codable {
    /// `ru` or `en`: the language of messages (and of pages when the browser does not say).
    public var locale: String
    /// Messages that may be sent per clock hour, all kinds together (0 stops sending). A cap
    /// on what SMS-pumping fraud can cost.
    public var hourlyBudget: Int
    /// Send "N points earned, your balance is M" after accruals and purchases.
    public var notifyAccrual: Bool
    /// Send "N points redeemed, your balance is M" after debits.
    public var notifyDebit: Bool
    /// The sender name the gateway shows, when the provider lets the sender choose.
    public var sender: String?
    /// Texts replacing the built-in ones: language → kind (`link`, `code`, `accrual`, `debit`) → text.
    public var templates: [String: [String: String]]?

    public init(locale: String = "ru", hourlyBudget: Int = 200, notifyAccrual: Bool = false, notifyDebit: Bool = false, sender: String? = nil, templates: [String: [String: String]]? = nil) {
        self.locale = locale
        self.hourlyBudget = hourlyBudget
        self.notifyAccrual = notifyAccrual
        self.notifyDebit = notifyDebit
        self.sender = sender
        self.templates = templates
    }

    enum CodingKeys: String, CodingKey { case locale, hourlyBudget, notifyAccrual, notifyDebit, sender, templates }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = SmsSettings()
        locale = try c.decodeIfPresent(String.self, forKey: .locale) ?? d.locale
        hourlyBudget = try c.decodeIfPresent(Int.self, forKey: .hourlyBudget) ?? d.hourlyBudget
        notifyAccrual = try c.decodeIfPresent(Bool.self, forKey: .notifyAccrual) ?? d.notifyAccrual
        notifyDebit = try c.decodeIfPresent(Bool.self, forKey: .notifyDebit) ?? d.notifyDebit
        sender = try c.decodeIfPresent(String.self, forKey: .sender)
        templates = try c.decodeIfPresent([String: [String: String]].self, forKey: .templates)
    }
}

/// The text of an SMS template: `{placeholder}`s and `[[optional parts]]`, dropped whole when a
/// placeholder inside has no value.
public enum MessageTemplateText {
    public static let locales: Set<String> = ["ru", "en"]
    public static let kinds: Set<String> = ["link", "code", "accrual", "debit"]
    public static let placeholders: Set<String> = [
        "link", "balance", "points", "balance_number", "points_number", "order", "name", "code", "program",
    ]
    public static let maximumLength = 480

    /// A piece of a parsed template.
    public enum Segment: Sendable, Hashable {
        case literal(String)
        case placeholder(String)
        /// `[[…]]`: its segments, left out when a placeholder among them is empty.
        case optional([Segment])
    }

    /// The template's segments, or why it is not a template: an unknown placeholder, an
    /// unclosed `{` or `[[`, nested `[[`.
    public static func parse(_ text: String) -> Result<[Segment], TemplateSyntaxError> {
        var top: [Segment] = []
        var inner: [Segment]?
        var literal = ""
        var i = text.startIndex
        func flush() {
            guard !literal.isEmpty else { return }
            if inner != nil { inner!.append(.literal(literal)) } else { top.append(.literal(literal)) }
            literal = ""
        }
        while i < text.endIndex {
            let rest = text[i...]
            if rest.hasPrefix("[[") {
                guard inner == nil else { return .failure(TemplateSyntaxError(message: "[[ inside [[…]]")) }
                flush()
                inner = []
                i = text.index(i, offsetBy: 2)
            } else if rest.hasPrefix("]]"), inner != nil {
                flush()
                top.append(.optional(inner!))
                inner = nil
                i = text.index(i, offsetBy: 2)
            } else if text[i] == "{" {
                guard let close = rest.firstIndex(of: "}") else { return .failure(TemplateSyntaxError(message: "{ without }")) }
                let name = String(rest[rest.index(after: rest.startIndex)..<close])
                guard placeholders.contains(name) else {
                    return .failure(TemplateSyntaxError(message: "unknown placeholder {\(name)} (known: \(placeholders.sorted().map { "{\($0)}" }.joined(separator: " ")))"))
                }
                flush()
                if inner != nil { inner!.append(.placeholder(name)) } else { top.append(.placeholder(name)) }
                i = text.index(after: close)
            } else {
                literal.append(text[i])
                i = text.index(after: i)
            }
        }
        guard inner == nil else { return .failure(TemplateSyntaxError(message: "[[ without ]]")) }
        flush()
        return .success(top)
    }

    public struct TemplateSyntaxError: Error, Sendable, Hashable {
        public var message: String
    }
}

extension LoyaltyProgram {
    /// Broken rules of the distribution settings, like ``validationErrors()``:
    ///
    /// - `join.policyURL`: an http(s) URL of at most 500 characters;
    /// - `join.children`: 0–9; `join.title`: at most 100 characters;
    /// - `sms.locale`: `ru` or `en`; `sms.hourlyBudget`: 0–1 000 000; `sms.sender`: 1–11 visible characters;
    /// - `sms.templates`: languages `ru`/`en`, kinds `link`/`code`/`accrual`/`debit`, texts of at most
    ///   480 characters in the template syntax of ``MessageTemplateText``; a `code` text must use `{code}`
    ///   and a `link` text `{link}`.
    public func distributionValidationErrors() -> [ProgramError] {
        var errors: [ProgramError] = []
        func fail(_ field: String, _ message: String) { errors.append(ProgramError(field: field, message: message)) }
        if let join {
            let lower = join.policyURL.lowercased()
            if !(lower.hasPrefix("https://") || lower.hasPrefix("http://")) || join.policyURL.count > 500
                || join.policyURL.contains(where: { $0.isWhitespace || $0 == "\"" || $0 == "<" || $0 == ">" }) {
                fail("join.policyURL", "must be an http(s) URL of at most 500 characters")
            }
            if !(0...9).contains(join.children) { fail("join.children", "must be 0–9") }
            if let title = join.title, Self.isBlank(title) || title.count > 100 { fail("join.title", "must be 1–100 characters") }
        }
        if let sms {
            if !MessageTemplateText.locales.contains(sms.locale) { fail("sms.locale", "must be ru or en") }
            if !(0...1_000_000).contains(sms.hourlyBudget) { fail("sms.hourlyBudget", "must be 0–1000000") }
            if let sender = sms.sender, !(1...11).contains(sender.count) || !sender.allSatisfy({ $0.isASCII && !$0.isWhitespace && $0.asciiValue! >= 0x21 }) {
                fail("sms.sender", "must be 1–11 visible ASCII characters")
            }
            for (locale, texts) in (sms.templates ?? [:]).sorted(by: { $0.key < $1.key }) {
                guard MessageTemplateText.locales.contains(locale) else { fail("sms.templates.\(locale)", "languages are ru and en"); continue }
                for (kind, text) in texts.sorted(by: { $0.key < $1.key }) {
                    let field = "sms.templates.\(locale).\(kind)"
                    guard MessageTemplateText.kinds.contains(kind) else { fail(field, "kinds are link, code, accrual and debit"); continue }
                    if Self.isBlank(text) || text.count > MessageTemplateText.maximumLength {
                        fail(field, "must be 1–\(MessageTemplateText.maximumLength) characters")
                        continue
                    }
                    switch MessageTemplateText.parse(text) {
                    case .failure(let error): fail(field, error.message)
                    case .success:
                        for required in ["code": "code", "link": "link"] where kind == required.key && !text.contains("{\(required.value)}") {
                            fail(field, "must contain {\(required.value)}")
                        }
                    }
                }
            }
        }
        return errors
    }
}
