import Distribution
import Foundation
import HTTPTypes
import Hummingbird
import Mustache

/// Renders the public pages (download links, self-registration) as HTML responses.
struct Pages: Sendable {
    let library: MustacheLibrary

    /// `extra`: another part's pages, drawn in the same layout (the Bitrix24 card tab).
    init(extra: [String: String] = [:]) {
        var library = MustacheLibrary()
        for (name, text) in PageTemplates.all.merging(extra, uniquingKeysWith: { _, new in new }) {
            // The templates are constants of this file's module: a parse error is a programming error.
            do { try library.register(text, named: name) } catch { fatalError("page template \(name): \(error)") }
        }
        self.library = library
    }

    /// A page with the layout's common values filled in.
    func render(_ template: String, locale: MessageLocale, title: String, languageLinks: Bool, _ values: [String: Any] = [:]) -> String {
        var context = values
        context["lang"] = locale.rawValue
        context["title"] = title
        context["css"] = PageTemplates.css
        context["t"] = PageStrings.table(locale)
        context["languageLinks"] = languageLinks
        return library.render(context, withTemplate: template) ?? ""
    }

    func response(_ html: String, status: HTTPResponse.Status = .ok, headers extra: HTTPFields = [:]) -> Response {
        var headers: HTTPFields = [
            .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
            // No scripts at all; images only inline; forms post to this site only.
            .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
            HTTPField.Name("X-Content-Type-Options")!: "nosniff",
            HTTPField.Name("Referrer-Policy")!: "no-referrer",
        ]
        for field in extra { headers[field.name] = field.value }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// A page that says what happened (an error, a closed form); `detail` fills the text's `%@`.
    func message(
        _ locale: MessageLocale, key: String, status: HTTPResponse.Status, action: String? = nil, headers: HTTPFields = [:], detail: String? = nil
    ) -> Response {
        let t = PageStrings.table(locale)
        let heading = t["\(key)Title"] ?? key
        var text = t["\(key)Text"] ?? ""
        if let detail { text = text.replacingOccurrences(of: "%@", with: detail) }
        var values: [String: Any] = ["heading": heading, "text": text]
        if let action {
            values["action"] = action
            values["actionText"] = t["startAgain"] ?? ""
        }
        return response(render("message", locale: locale, title: heading, languageLinks: false, values), status: status, headers: headers)
    }

    /// The language of a page: `?lang=` or a form's `lang`, else `Accept-Language`, else the program's.
    static func locale(_ request: Request, explicit: String? = nil, fallback: MessageLocale) -> MessageLocale {
        if let explicit = explicit ?? request.uri.queryParameters.get("lang"), let l = MessageLocale(rawValue: explicit) { return l }
        return MessageLocale.preferred(acceptLanguage: request.headers[.acceptLanguage]) ?? fallback
    }
}
