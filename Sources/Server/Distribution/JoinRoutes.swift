import Core
import Distribution
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// `/join`: the self-registration page. GET shows the form; POST validates it and sends a code;
/// POST `/join/confirm` checks the code and shows the card. Plain HTML forms: no cookies (so
/// nothing to forge across sites), no JavaScript.
struct JoinRoutes: Sendable {
    typealias Context = AppRequestContext
    let distribution: DistributionService
    let pages: Pages
    /// Largest form accepted.
    static let maxFormBytes = 16 * 1024

    func register(on router: some RouterMethods<Context>) {
        router.get("join", use: show)
        router.post("join", use: start)
        router.post("join/confirm", use: confirm)
    }

    /// The client's address: the connection's, or the proxy's last `X-Forwarded-For` entry when trusted.
    func clientAddress(_ request: Request, _ context: Context) -> String {
        ClientAddress.of(request, peer: context.remoteAddress, trustForwardedFor: distribution.settings.trustForwardedFor)
    }

    /// The posted form; a page to answer with when it is too large (413) or unreadable (400).
    func form(_ request: Request, locale: MessageLocale) async -> Result<FormBody, FormRefusal> {
        guard let buffer = try? await request.body.collect(upTo: Self.maxFormBytes) else {
            return .failure(FormRefusal(response: pages.message(locale, key: "tooLarge", status: .contentTooLarge, action: "/join")))
        }
        guard let form = FormBody(Array(buffer.readableBytesView)) else {
            return .failure(FormRefusal(response: pages.message(locale, key: "unreadable", status: .badRequest, action: "/join")))
        }
        return .success(form)
    }

    struct FormRefusal: Error {
        var response: Response
    }

    func formPage(_ locale: MessageLocale, values: [String: Any] = [:], status: HTTPResponse.Status = .ok) -> Response {
        guard let join = distribution.joinSettings else { return pages.message(locale, key: "closed", status: .notFound) }
        let program = distribution.loyalty.program
        var context = values
        let heading = join.title ?? program.name
        context["heading"] = heading
        context["policyURL"] = join.policyURL
        context["action"] = "/join"
        let given = values["childValues"] as? [String] ?? []
        context["children"] = (0..<join.children).map { i -> [String: Any] in ["index": i + 1, "value": i < given.count ? given[i] : ""] }
        return pages.response(pages.render("join", locale: locale, title: heading, languageLinks: status == .ok && values.isEmpty, context), status: status)
    }

    @Sendable func show(_ request: Request, context: Context) async throws -> Response {
        formPage(Pages.locale(request, fallback: distribution.locale))
    }

    @Sendable func start(_ request: Request, context: Context) async throws -> Response {
        let fallback = distribution.locale
        let body: FormBody
        switch await form(request, locale: Pages.locale(request, fallback: fallback)) {
        case .success(let f): body = f
        case .failure(let refusal): return refusal.response
        }
        let locale = Pages.locale(request, explicit: body["lang"], fallback: fallback)
        let t = PageStrings.table(locale)
        let children = (1...9).map { body["child\($0)"] ?? "" }
        let form = DistributionService.JoinForm(
            name: body["name"] ?? "", phone: body["phone"] ?? "", children: children, consent: body["consent"] == "yes",
            honeypot: body["website"] ?? "", locale: locale)
        switch try await distribution.startJoin(form, ip: clientAddress(request, context), userAgent: request.headers[.userAgent]) {
        case .closed:
            return pages.message(locale, key: "closed", status: .notFound)
        case .invalid(let errors):
            var values: [String: Any] = [
                "name": String(form.name.prefix(100)), "phone": String(form.phone.prefix(40)), "consent": form.consent, "childValues": children,
                "formError": t["formInvalid"]!,
            ]
            for (field, key) in errors where field != "phoneDetail" {
                var text = t[key] ?? key
                if key == "phoneInvalid" { text = text.replacingOccurrences(of: "%@", with: errors["phoneDetail"] ?? "") }
                values["\(field)Error"] = text
            }
            return formPage(locale, values: values, status: .unprocessableContent)
        case .limited(let after):
            return pages.message(locale, key: "tooMany", status: .tooManyRequests, action: "/join", headers: [.retryAfter: String(after)])
        case .budgetExhausted:
            return pages.message(locale, key: "busy", status: .serviceUnavailable, action: "/join", headers: [.retryAfter: "3600"])
        case .codeSent(let id, let masked):
            return codePage(locale, request: id, maskedPhone: masked)
        }
    }

    func codePage(_ locale: MessageLocale, request id: String, maskedPhone: String, error: String? = nil, status: HTTPResponse.Status = .ok) -> Response {
        let t = PageStrings.table(locale)
        var values: [String: Any] = ["request": id, "maskedPhone": maskedPhone, "action": "/join/confirm"]
        if let error { values["codeError"] = error }
        return pages.response(pages.render("code", locale: locale, title: t["codeTitle"]!, languageLinks: false, values), status: status)
    }

    @Sendable func confirm(_ request: Request, context: Context) async throws -> Response {
        let fallback = distribution.locale
        let body: FormBody
        switch await form(request, locale: Pages.locale(request, fallback: fallback)) {
        case .success(let f): body = f
        case .failure(let refusal): return refusal.response
        }
        guard let id = body["request"], !id.isEmpty else {
            return pages.message(Pages.locale(request, explicit: body["lang"], fallback: fallback), key: "unknown", status: .badRequest, action: "/join")
        }
        let locale = Pages.locale(request, explicit: body["lang"], fallback: fallback)
        let t = PageStrings.table(locale)
        switch try await distribution.confirmJoin(requestID: id, code: body["code"] ?? "") {
        case .unknown:
            return pages.message(locale, key: "unknown", status: .notFound, action: "/join")
        case .expired:
            return pages.message(locale, key: "codeExpired", status: .gone, action: "/join")
        case .exhausted:
            return pages.message(locale, key: "codeExhausted", status: .tooManyRequests, action: "/join")
        case .completed(let masked):
            // 409: the request is in a state (confirmed) that this action does not apply to; its
            // id is no login, so nothing is shown or issued again.
            return pages.message(locale, key: "joinDone", status: .conflict, action: "/join", detail: masked)
        case .wrong(let left, let masked):
            return codePage(locale, request: id, maskedPhone: masked, error: t["codeWrong"]!.replacingOccurrences(of: "%d", with: String(left)), status: .unprocessableContent)
        case .joined(let cards, let link, let smsSent):
            var values = CardPreview.download(url: link.url)
            values["cards"] = CardPreview.cards(cards, loyalty: distribution.loyalty)
            values["smsSent"] = smsSent
            return pages.response(pages.render("joined", locale: locale, title: t["joinedTitle"]!, languageLinks: false, values))
        }
    }
}
