import Core
import Distribution
import Foundation
import HTTPTypes
import Hummingbird
import Storage

/// `/admin`: the operator's dashboard. Server-rendered pages (no JavaScript) behind a session
/// opened with the admin token or an `admin` API key: the reports' figures with SVG charts, the
/// broadcasts' progress, card search and a card's page. See docs/admin.md.
struct AdminRoutes: Sendable {
    typealias Context = AppRequestContext
    let loyalty: LoyaltyService
    let reports: ReportService
    let google: GoogleWalletService?
    let sessions: AdminSessions
    let gate: AdminSignInGate
    let pages: AdminPages
    let reads: AdminReadStore
    /// Where the server is reached: the Origin a same-site form carries, and whether cookies are Secure.
    let publicURL: String
    /// The time zone dates are shown in, and the overview's default.
    let timeZone: TimeZone

    init(
        service: PassService, loyalty: LoyaltyService, reports: ReportService, google: GoogleWalletService?, adminToken: String,
        sessionKey: [UInt8], trustForwardedFor: Bool, timeZone: TimeZone = .current
    ) {
        self.loyalty = loyalty
        self.reports = reports
        self.google = google
        publicURL = service.webServiceURL
        sessions = AdminSessions(
            database: loyalty.ledger.database, adminToken: adminToken, keys: loyalty.keys, sessionKey: sessionKey, publicURL: service.webServiceURL)
        gate = AdminSignInGate(trustForwardedFor: trustForwardedFor)
        pages = AdminPages()
        reads = AdminReadStore(database: loyalty.ledger.database)
        self.timeZone = timeZone
    }

    func register(on router: some RouterMethods<Context>) {
        router.get("admin", use: home)
        router.post("admin/sign-in", use: signIn)
        router.post("admin/sign-out", use: signOut)
        router.get("admin/broadcasts", use: broadcastList)
        router.get("admin/cards", use: cardSearch)
        router.get("admin/cards/:number", use: cardPage)
    }

    /// Runs `page` for a signed-in operator; anyone else is sent to the sign-in page.
    func signedIn(_ request: Request, _ page: (AdminSession, MessageLocale) async throws -> Response) async throws -> Response {
        guard let session = try await sessions.current(request) else { return AdminPages.redirect("/admin") }
        return try await page(session, AdminPages.locale(request))
    }

    /// A query parameter that must be a positive id when present: nil when absent, a 400 page when not one.
    static func positiveID(_ request: Request, _ name: String) -> Result<Int64?, AdminQueryError> {
        guard let text = request.uri.queryParameters.get(name), !text.isEmpty else { return .success(nil) }
        guard text.utf8.count <= 19, let id = Int64(text), id > 0 else { return .failure(AdminQueryError(field: name)) }
        return .success(id)
    }

    /// A date and time as the dashboard shows it, in its time zone: `2026-12-04 18:39`.
    func dateTime(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0)
    }

    /// A card number as a path segment of a link.
    static func path(_ number: String) -> String { FormBody.escape(number) }
}

/// A query parameter that could not be read.
struct AdminQueryError: Error, Sendable {
    var field: String
}
