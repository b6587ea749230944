import Distribution
import Foundation
import HTTPTypes
import Hummingbird
import Storage

/// The overview (the reports' figures and charts) and the broadcasts' progress.
extension AdminRoutes {
    /// The overview for `?from=&to=&tz=` (default: the 30 days ending today, in the server's time zone).
    func overview(_ request: Request, session: AdminSession, locale: MessageLocale) async throws -> Response {
        let t = AdminStrings.table(locale)
        let frame = AdminPages.Frame(locale: locale, title: t["overview"] ?? "", session: session, nav: "Overview")
        let q = request.uri.queryParameters
        let from = q.get("from").map { String($0.prefix(32)) }, to = q.get("to").map { String($0.prefix(32)) }
        guard let zone = AdminPeriod.timeZone(q.get("tz"), fallback: timeZone) else {
            let values: [String: Any] = ["from": from ?? "", "to": to ?? "", "timeZone": String((q.get("tz") ?? "").prefix(64)), "error": t["badTimeZone"] ?? ""]
            return pages.response(pages.render("adminOverview", frame, values), status: .unprocessableContent, request: request)
        }
        var values: [String: Any] = ["from": from ?? "", "to": to ?? "", "timeZone": zone.identifier]
        let period: AdminPeriod
        switch AdminPeriod.parse(from: from, to: to, timeZone: zone, now: Date()) {
        case .failure(let refusal):
            values["error"] = t[refusal.rawValue] ?? refusal.rawValue
            return pages.response(pages.render("adminOverview", frame, values), status: .unprocessableContent, request: request)
        case .success(let p): period = p
        }
        values["from"] = period.firstDay
        values["to"] = period.lastDay
        let reportPeriod = try period.reportPeriod()
        async let summary = reports.summary(reportPeriod, activeDays: ReportService.activeDays.default)
        async let series = reports.timeseries(reportPeriod, interval: period.interval)
        values.merge(AdminOverview.values(summary: try await summary, series: try await series, strings: t)) { _, new in new }
        return pages.response(pages.render("adminOverview", frame, values), request: request)
    }

    /// `GET /admin/broadcasts?before=ID`: recent broadcasts, newest first, with their progress.
    @Sendable func broadcastList(_ request: Request, context: Context) async throws -> Response {
        try await signedIn(request) { session, locale in
            let before: Int64?
            switch Self.positiveID(request, "before") {
            case .success(let id): before = id
            case .failure: return pages.message("badRequest", status: .badRequest, request: request, session: session)
            }
            let t = AdminStrings.table(locale)
            let limit = 50
            let page = try await reads.broadcasts(before: before, limit: limit + 1)
            let rows = page.prefix(limit).map { b -> [String: Any] in
                [
                    "id": String(b.id), "created": dateTime(b.createdAt), "message": b.messages[locale.rawValue] ?? b.promo,
                    "state": t["state." + b.state.rawValue] ?? b.state.rawValue, "stateCode": b.state.rawValue, "points": String(b.points),
                    "targeted": String(b.targetedHouseholds), "percent": String(Int(b.percent.rounded(.down))),
                    "done": "\(b.householdsDone) / \(b.targetedHouseholds)", "pushed": String(b.pushesSent), "fetched": String(b.fetched),
                ]
            }
            var values: [String: Any] = ["rows": rows]
            if page.count > limit, let last = page.prefix(limit).last { values["older"] = String(last.id) }
            let frame = AdminPages.Frame(locale: locale, title: t["broadcasts"] ?? "", session: session, nav: "Broadcasts")
            return pages.response(pages.render("adminBroadcasts", frame, values), request: request)
        }
    }
}
