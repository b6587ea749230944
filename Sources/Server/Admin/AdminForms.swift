import Core
import Foundation
import HTTPTypes
import Hummingbird

/// What every dashboard POST passes before it does anything: the browser's word that the form
/// comes from this site (`Sec-Fetch-Site`, `Origin`, when it sends them), a body small enough to
/// read, and — once signed in — the session's CSRF token in the form.
enum AdminForms {
    /// The largest form read.
    static let maximumBytes = 8 * 1024

    /// False when the browser says the request comes from another site. Browsers that send
    /// neither header (and non-browser clients) pass here; the CSRF token still stands.
    ///
    /// Our pages send `Referrer-Policy: no-referrer`, and under it browsers post our own forms
    /// with `Origin: null` (the Fetch standard's "serialize a request origin"), so a null Origin
    /// passes only when `Sec-Fetch-Site` vouches for the request; a sandboxed frame elsewhere
    /// also posts `null`, but as `cross-site`.
    static func isSameOrigin(_ request: Request, publicURL: String) -> Bool {
        let site = request.headers[HTTPField.Name("Sec-Fetch-Site")!]?.lowercased()
        if let site, site != "same-origin", site != "none" { return false }
        guard let origin = request.headers[.origin] else { return true }
        if origin == "null" { return site == "same-origin" }
        guard let url = URL(string: origin), let host = url.host?.lowercased() else { return false }
        let authority = url.port.map { "\(host):\($0)" } ?? host
        if let ours = URL(string: publicURL), let ourHost = ours.host?.lowercased(),
           url.scheme?.lowercased() == ours.scheme?.lowercased(), authority == (ours.port.map { "\(ourHost):\($0)" } ?? ourHost) {
            return true
        }
        // Reached by another name than the public URL (a test, an internal address): the Host it asked for.
        if let asked = request.head.authority?.lowercased() { return asked == authority }
        return false
    }

    /// Why a form was not read.
    enum Refusal: Error {
        case tooLarge
        case unreadable
    }

    /// The posted `application/x-www-form-urlencoded` body.
    static func read(_ request: Request) async -> Result<FormBody, Refusal> {
        guard let buffer = try? await request.body.collect(upTo: maximumBytes) else { return .failure(.tooLarge) }
        // An empty body is a form without fields.
        guard let form = FormBody(Array(buffer.readableBytesView)) else { return .failure(.unreadable) }
        return .success(form)
    }
}
