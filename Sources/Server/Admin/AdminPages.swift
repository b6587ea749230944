import Distribution
import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import Storage

/// Renders the dashboard's pages and answers with them, every one with the same security headers.
struct AdminPages: Sendable {
    let library: MustacheLibrary

    /// The language preference's cookie (set by the page's switch).
    static let languageCookie = "passline_admin_lang"

    init() {
        var library = MustacheLibrary()
        for (name, text) in AdminTemplates.all {
            // The templates are constants of this module: a parse error is a programming error.
            do { try library.register(text, named: name) } catch { fatalError("admin template \(name): \(error)") }
        }
        self.library = library
    }

    /// Every admin response carries these: no scripts, no framing, nothing cached or referred.
    static let securityHeaders: HTTPFields = [
        .contentSecurityPolicy: "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'",
        HTTPField.Name("X-Frame-Options")!: "DENY",
        .cacheControl: "no-store",
        HTTPField.Name("Referrer-Policy")!: "no-referrer",
        HTTPField.Name("X-Content-Type-Options")!: "nosniff",
    ]

    /// The page's language: `?lang=`, else the switch's cookie, else `Accept-Language`, else Russian.
    static func locale(_ request: Request, explicit: String? = nil) -> MessageLocale {
        if let explicit = explicit ?? request.uri.queryParameters.get("lang"), let l = MessageLocale(rawValue: explicit) { return l }
        if let saved = request.cookies[languageCookie]?.value, let l = MessageLocale(rawValue: saved) { return l }
        return MessageLocale.preferred(acceptLanguage: request.headers[.acceptLanguage]) ?? .ru
    }

    /// A page in the layout; `session` shows the navigation and the sign-out form.
    func render(_ template: String, _ frame: Frame, _ values: [String: Any] = [:]) -> String {
        var context = values
        // `{{#hasRows}}` around a table: the list's section would repeat it per row, so every
        // list gets a flag saying whether it has any.
        for (key, value) in values {
            if let list = value as? [Any] { context["has" + key.prefix(1).uppercased() + key.dropFirst()] = !list.isEmpty }
        }
        let t = AdminStrings.table(frame.locale)
        context["lang"] = frame.locale.rawValue
        context["title"] = frame.title
        context["css"] = AdminTemplates.css
        context["t"] = t
        if let session = frame.session {
            var s: [String: Any] = ["csrf": session.csrfToken, "who": Self.who(session.owner, t)]
            if let nav = frame.nav { s["nav" + nav] = true }
            context["session"] = s
        }
        return library.render(context, withTemplate: template) ?? ""
    }

    /// What every page shares: its language, title, session and place in the navigation.
    struct Frame {
        var locale: MessageLocale
        var title: String
        var session: AdminSession?
        /// `Overview`, `Broadcasts` or `Cards`.
        var nav: String?
    }

    /// Who is signed in, as the header shows it: never a token, a key only by its id.
    static func who(_ owner: AdminSessionOwner, _ t: [String: String]) -> String {
        switch owner {
        case .adminToken: return t["who.admin"] ?? "admin"
        case .key(let id): return (t["who.key"] ?? "key") + " " + id
        }
    }

    /// An HTML response with the security headers, and the language cookie when the request chose one.
    func response(_ html: String, status: HTTPResponse.Status = .ok, request: Request, headers extra: HTTPFields = [:]) -> Response {
        var headers = Self.securityHeaders
        headers[.contentType] = "text/html; charset=utf-8"
        for field in extra { headers.append(field) }
        if let lang = request.uri.queryParameters.get("lang"), let l = MessageLocale(rawValue: lang) {
            headers.append(HTTPField(name: .setCookie, value: "\(Self.languageCookie)=\(l.rawValue); Path=/admin; Max-Age=31536000; SameSite=Strict"))
        }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// A redirect (303: the browser follows with a GET) with the security headers.
    static func redirect(_ location: String, headers extra: HTTPFields = [:]) -> Response {
        var headers = securityHeaders
        headers[.location] = location
        for field in extra { headers.append(field) }
        return Response(status: .seeOther, headers: headers)
    }

    /// A page that says what went wrong: `key` names its title and text (`%@` filled with `detail`).
    func message(
        _ key: String, status: HTTPResponse.Status, request: Request, session: AdminSession?, headers: HTTPFields = [:], detail: String? = nil
    ) -> Response {
        let locale = Self.locale(request)
        let t = AdminStrings.table(locale)
        let heading = t["\(key)Title"] ?? key
        var text = t["\(key)Text"] ?? ""
        if let detail { text = text.replacingOccurrences(of: "%@", with: detail) }
        let html = render("adminMessage", Frame(locale: locale, title: heading, session: session), ["heading": heading, "text": text])
        return response(html, status: status, request: request, headers: headers)
    }
}
