import Foundation
import Loyalty
import PassBuilder

/// A broadcast's message: one text per language, and the text passes show.
///
/// Wallet localizes a field's value only through the pass's static `pass.strings`, which are the
/// template's and the same for every pass, so a per-broadcast text can't be switched by the
/// phone's language. The promo field therefore shows the texts of every language given, one per
/// line, in the order of the language codes (a single text, or the same text in every language,
/// shows just that text).
struct BroadcastMessage: Sendable, Hashable {
    /// The most characters one language's text may have: the lock-screen notification that
    /// `changeMessage` produces shows about this much before cutting it off.
    static let maxCharacters = 150

    var texts: [String: String]

    /// What the promo field (and so the lock-screen notification) shows.
    var promo: String {
        var shown: [String] = []
        for language in texts.keys.sorted() where !shown.contains(texts[language]!) { shown.append(texts[language]!) }
        return shown.joined(separator: "\n")
    }

    /// Reads `message`: a string (the same text whatever the language) or an object of
    /// language code → text, every code a localization of the template (`languages`).
    init(_ value: JSONValue?, languages: Set<String>) throws(APIError) {
        switch value {
        case nil, .null?:
            throw APIError.unprocessable("message is required: a text, or an object of language → text", field: "message")
        case .string(let s)?:
            // The same text in every language.
            let text = try Self.text(s, field: "message")
            texts = Dictionary(uniqueKeysWithValues: (languages.isEmpty ? ["und"] : languages).map { ($0, text) })
        case .object(let o)?:
            guard !o.isEmpty else { throw APIError.unprocessable("message must have at least one language", field: "message") }
            var texts: [String: String] = [:]
            for (language, v) in o.sorted(by: { $0.key < $1.key }) {
                guard languages.contains(language) else {
                    throw APIError.unprocessable(
                        "message.\(language): the card template has no \(language) localization (it has \(languages.sorted().joined(separator: ", ")))",
                        field: "message.\(language)")
                }
                guard case .string(let s) = v else { throw APIError.unprocessable("message.\(language) must be a string", field: "message.\(language)") }
                texts[language] = try Self.text(s, field: "message.\(language)")
            }
            self.texts = texts
        default:
            throw APIError.unprocessable("message must be a text, or an object of language → text", field: "message")
        }
    }

    static func text(_ raw: String, field: String) throws(APIError) -> String {
        let t = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !t.isEmpty else { throw APIError.unprocessable("\(field) must not be empty", field: field) }
        try TextLimit(characters: maxCharacters).validate(t, field: field)
        // A line break would be shown; other control characters would not, or would break the notification.
        guard !t.unicodeScalars.contains(where: { $0.properties.generalCategory == .control && $0 != "\n" }) else {
            throw APIError.unprocessable("\(field) contains control characters", field: field)
        }
        return t
    }

    /// The languages a template has (`xx.lproj` folders), from its bundle file names.
    static func languages(of template: PassTemplate) -> Set<String> {
        var found = Set<String>()
        for path in template.files.keys {
            guard let slash = path.firstIndex(of: "/") else { continue }
            let folder = path[..<slash]
            if folder.hasSuffix(".lproj") { found.insert(String(folder.dropLast(6))) }
        }
        return found
    }
}
