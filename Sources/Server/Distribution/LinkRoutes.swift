import Distribution
import Foundation
import Hummingbird
import PassBuilder
import Storage

/// `/p/{token}`: a card's (or household's) download link. An iPhone or iPad gets the pass
/// (`.pkpass`, or `.pkpasses` for several cards); other browsers get a page with a preview, a QR
/// code of the link to scan with a phone, and an "Add to Apple Wallet" button (`?download=1`).
/// Views and downloads are counted; a bad, expired or revoked link gets a page saying so.
struct LinkRoutes: Sendable {
    typealias Context = AppRequestContext
    let distribution: DistributionService
    let pages: Pages
    /// Set when Google Wallet is on: browsers other than an iPhone's also get "Add to Google Wallet".
    var google: GoogleWalletService? = nil

    func register(on router: some RouterMethods<Context>) {
        router.get("p/:token", use: open)
        if google != nil { router.get("p/:token/google", use: saveToGoogle) }
    }

    @Sendable func open(_ request: Request, context: Context) async throws -> Response {
        let locale = Pages.locale(request, fallback: distribution.locale)
        let token = context.parameters.get("token") ?? ""
        let resolved: DistributionService.ResolvedLink
        switch try await resolve(token, locale: locale) {
        case .success(let link): resolved = link
        case .failure(let page): return page.response
        }
        let wantsPass = request.uri.queryParameters.get("download") == "1" || DeviceKind(userAgent: request.headers[.userAgent]) == .appleWallet
        if wantsPass {
            let response = try await download(resolved)
            try await distribution.noteVisit(of: resolved.link, download: true)
            return response
        }
        try await distribution.noteVisit(of: resolved.link, download: false)
        let program = distribution.loyalty.program
        var values = CardPreview.download(url: "\(distribution.publicURL)/p/\(token)")
        values["cards"] = CardPreview.cards(resolved.cards, loyalty: distribution.loyalty)
        values["heading"] = program.name
        if google != nil { values["googleURL"] = "\(distribution.publicURL)/p/\(token)/google" }
        return pages.response(pages.render("landing", locale: locale, title: program.name, languageLinks: true, values))
    }

    /// `/p/{token}/google`: inserts the link's cards' Google Wallet objects if Google doesn't have
    /// them yet, then sends the browser to Google's save page (a household link saves each card).
    @Sendable func saveToGoogle(_ request: Request, context: Context) async throws -> Response {
        let locale = Pages.locale(request, fallback: distribution.locale)
        guard let google else { return pages.message(locale, key: "invalid", status: .notFound) }
        let resolved: DistributionService.ResolvedLink
        switch try await resolve(context.parameters.get("token") ?? "", locale: locale) {
        case .success(let link): resolved = link
        case .failure(let page): return page.response
        }
        do {
            let (url, _) = try await google.saveLink(for: resolved.cards)
            try await distribution.noteVisit(of: resolved.link, download: true)
            return Response(status: .seeOther, headers: [.location: url, .cacheControl: "no-store"])
        } catch let error as APIError where error.status == .serviceUnavailable {
            return pages.message(locale, key: "googleDown", status: .serviceUnavailable)
        }
    }

    struct Page: Error { let response: Response }

    /// The link's cards, or the page saying why there are none.
    func resolve(_ token: String, locale: MessageLocale) async throws -> Result<DistributionService.ResolvedLink, Page> {
        guard !token.isEmpty, token.utf8.count <= 255, token.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            return .failure(Page(response: pages.message(locale, key: "invalid", status: .badRequest)))
        }
        do {
            return .success(try await distribution.resolve(token))
        } catch let failure as DistributionService.LinkFailure {
            switch failure {
            case .invalid: return .failure(Page(response: pages.message(locale, key: "invalid", status: .notFound)))
            case .expired: return .failure(Page(response: pages.message(locale, key: "expired", status: .gone)))
            case .revoked: return .failure(Page(response: pages.message(locale, key: "revoked", status: .gone)))
            case .inactive: return .failure(Page(response: pages.message(locale, key: "inactive", status: .gone)))
            }
        }
    }

    /// One card: its `.pkpass`; several: a `.pkpasses` bundle of the first ten (Wallet's limit).
    func download(_ resolved: DistributionService.ResolvedLink) async throws -> Response {
        let headers: HTTPFields
        let bytes: [UInt8]
        if resolved.cards.count == 1, let card = resolved.cards.first {
            bytes = try await distribution.pass(of: card)
            headers = [.contentType: "application/vnd.apple.pkpass", .contentDisposition: "attachment; filename=\"\(card.number).pkpass\""]
        } else {
            var passes: [(name: String, pkpass: [UInt8])] = []
            for card in resolved.cards.prefix(PassBundle.maxPasses) {
                // The bundle names its entries NAME.pkpass.
                passes.append((card.number, try await distribution.pass(of: card)))
            }
            bytes = try PassBundle.pack(passes)
            headers = [.contentType: PassBundle.contentType, .contentDisposition: "attachment; filename=\"cards.pkpasses\""]
        }
        var all = headers
        all[.cacheControl] = "no-store"
        return Response(status: .ok, headers: all, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
