import Core
import Distribution
import Foundation
import HTTPTypes
import Hummingbird
import Storage

/// Signing in and out, and the CSRF check every POST of a signed-in page passes.
extension AdminRoutes {
    /// `GET /admin`: the overview, or the sign-in form.
    @Sendable func home(_ request: Request, context: Context) async throws -> Response {
        guard let session = try await sessions.current(request) else {
            return signInPage(request, locale: AdminPages.locale(request), error: nil, status: .ok)
        }
        return try await overview(request, session: session, locale: AdminPages.locale(request))
    }

    func signInPage(_ request: Request, locale: MessageLocale, error: String?, status: HTTPResponse.Status) -> Response {
        let t = AdminStrings.table(locale)
        var values: [String: Any] = [:]
        if let error { values["error"] = error }
        let html = pages.render("adminSignIn", AdminPages.Frame(locale: locale, title: t["signInTitle"] ?? "Passline"), values)
        return pages.response(html, status: status, request: request)
    }

    /// `POST /admin/sign-in` (`token`, `lang`): a session cookie and the overview, or the form again.
    /// An address that sent too many wrong tokens is refused before its token is looked at.
    @Sendable func signIn(_ request: Request, context: Context) async throws -> Response {
        guard AdminForms.isSameOrigin(request, publicURL: publicURL) else {
            Self.logCrossSite(request, context)
            return pages.message("forbidden", status: .forbidden, request: request, session: nil)
        }
        let address = gate.address(request, context)
        if let wait = gate.blocked(address) {
            context.logger.notice("admin sign-in refused: too many wrong tokens", metadata: ["address": .string(address)])
            return pages.message(
                "tooMany", status: .tooManyRequests, request: request, session: nil, headers: [.retryAfter: String(wait)],
                detail: String((wait + 59) / 60))
        }
        let form: FormBody
        switch await AdminForms.read(request) {
        case .success(let f): form = f
        case .failure(.tooLarge): return pages.message("tooLarge", status: .contentTooLarge, request: request, session: nil)
        case .failure(.unreadable): return pages.message("badRequest", status: .badRequest, request: request, session: nil)
        }
        let locale = AdminPages.locale(request, explicit: form["lang"])
        let t = AdminStrings.table(locale)
        // A pasted token often brings a space or a line break along; no token of ours has either.
        let token = (form["token"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        switch try await sessions.signIn(token: token) {
        case .signedIn(let session):
            // Who, never with what: the token stays out of every log line.
            context.logger.info("admin signed in", metadata: ["who": .string(AdminPages.who(session.owner, AdminStrings.en)), "address": .string(address)])
            return AdminPages.redirect("/admin", headers: [.setCookie: sessions.cookie(for: session)])
        case .wrongToken:
            gate.recordFailure(address)
            context.logger.notice("admin sign-in refused: unknown token", metadata: ["address": .string(address)])
            return signInPage(request, locale: locale, error: t["wrongToken"], status: .unauthorized)
        case .notAdmin:
            return signInPage(request, locale: locale, error: t["notAdmin"], status: .forbidden)
        }
    }

    /// `POST /admin/sign-out` (`csrf`): ends the session here and on every server.
    @Sendable func signOut(_ request: Request, context: Context) async throws -> Response {
        guard let session = try await sessions.current(request) else { return AdminPages.redirect("/admin") }
        if let refusal = await checkedForm(request, context: context, session: session) { return refusal }
        try await sessions.signOut(session)
        return AdminPages.redirect("/admin", headers: [.setCookie: sessions.clearingCookie()])
    }

    /// Nil when a signed-in POST may go on: from this site, readable, with the session's CSRF
    /// token; otherwise the page to answer with (403, 413 or 400).
    func checkedForm(_ request: Request, context: Context, session: AdminSession) async -> Response? {
        guard AdminForms.isSameOrigin(request, publicURL: publicURL) else {
            Self.logCrossSite(request, context)
            return pages.message("forbidden", status: .forbidden, request: request, session: session)
        }
        switch await AdminForms.read(request) {
        case .failure(.tooLarge): return pages.message("tooLarge", status: .contentTooLarge, request: request, session: session)
        case .failure(.unreadable): return pages.message("badRequest", status: .badRequest, request: request, session: session)
        case .success(let form):
            guard let token = form["csrf"], AdminSessions.equal(token, session.csrfToken) else {
                context.logger.notice("admin form refused: missing or wrong CSRF token", metadata: ["route": .string(request.uri.path)])
                return pages.message("forbidden", status: .forbidden, request: request, session: session)
            }
            return nil
        }
    }

    /// What the browser said about a refused form's origin (no secrets in either header).
    static func logCrossSite(_ request: Request, _ context: Context) {
        context.logger.notice("admin form refused: from another site", metadata: [
            "route": .string(request.uri.path), "origin": .string(String((request.headers[.origin] ?? "-").prefix(200))),
            "secFetchSite": .string(String((request.headers[HTTPField.Name("Sec-Fetch-Site")!] ?? "-").prefix(40))),
        ])
    }
}
