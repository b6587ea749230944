import Core
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Storage
import Testing
import TestSupport

@testable import Server

/// The dashboard over a live server: a browser's part played by hand (cookies kept and sent,
/// forms posted url-encoded, redirects not followed so each step is seen).
struct AdminBrowser: Sendable {
    let s: TestServer
    let client: any TestClientProtocol
    /// The session cookie's value once signed in.
    var session: String?
    /// Sent with every request (a language, a forwarded address).
    var extraHeaders: HTTPFields = [:]

    init(_ s: TestServer, _ client: any TestClientProtocol) {
        self.s = s
        self.client = client
    }

    static let formType: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    func headers(_ extra: HTTPFields = [:]) -> HTTPFields {
        var h = extraHeaders
        if let session { h[.cookie] = "\(AdminSessions.cookieName)=\(session)" }
        for field in extra { h[field.name] = field.value }
        return h
    }

    func get(_ path: String, headers extra: HTTPFields = [:]) async throws -> Reply {
        Reply(try await client.execute(uri: path, method: .get, headers: headers(extra)))
    }

    func post(_ path: String, _ fields: [(String, String)], headers extra: HTTPFields = [:]) async throws -> Reply {
        var h = Self.formType
        for field in extra { h[field.name] = field.value }
        return Reply(try await client.execute(uri: path, method: .post, headers: headers(h), body: ByteBuffer(bytes: FormBody.encode(fields))))
    }

    /// Posts the sign-in form.
    func submitToken(_ token: String, headers extra: HTTPFields = [:]) async throws -> Reply {
        try await post("/admin/sign-in", [("token", token), ("lang", "en")], headers: extra)
    }

    /// Signs in (expecting the redirect and a cookie) and keeps the session.
    mutating func signIn(_ token: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let r = try await submitToken(token)
        #expect(r.status == .seeOther, "sign-in: \(r.status) \(r.text)", sourceLocation: sourceLocation)
        let value: String = try #require(Self.cookieValue(r), "no session cookie", sourceLocation: sourceLocation)
        session = value
    }

    /// The session cookie's value in a response's `Set-Cookie`, if it sets one.
    static func cookieValue(_ r: Reply) -> String? {
        guard let header = setCookie(r) else { return nil }
        let pair = header.split(separator: ";").first.map(String.init) ?? ""
        let value = pair.dropFirst(AdminSessions.cookieName.count + 1)
        return value.isEmpty ? nil : String(value)
    }

    /// The `Set-Cookie` header of the session cookie.
    static func setCookie(_ r: Reply) -> String? {
        r.headers[values: .setCookie].first { $0.hasPrefix(AdminSessions.cookieName + "=") }
    }

    /// The CSRF token in a page's sign-out form.
    static func csrf(in page: Reply) -> String? {
        guard let range = page.text.range(of: #"name="csrf" value="([^"]+)""#, options: .regularExpression) else { return nil }
        let match = page.text[range]
        return match.split(separator: "\"").dropFirst(3).first.map(String.init)
    }
}

enum AdminExpect {
    /// The headers every admin page carries.
    static func securityHeaders(_ r: Reply, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(
            r.headers[.contentSecurityPolicy]
                == "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'",
            "\(what): CSP", sourceLocation: sourceLocation)
        #expect(r.headers[HTTPField.Name("X-Frame-Options")!] == "DENY", "\(what)", sourceLocation: sourceLocation)
        #expect(r.headers[.cacheControl] == "no-store", "\(what)", sourceLocation: sourceLocation)
        #expect(r.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer", "\(what)", sourceLocation: sourceLocation)
    }

    /// SHA-256 hex, as the session table stores ids.
    static func hash(_ text: String) -> String { Hex.encode(SHA256.hash(data: Array(text.utf8))) }
}
