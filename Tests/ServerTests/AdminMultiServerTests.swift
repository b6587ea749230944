import Foundation
import Testing
import TestSupport

@testable import Server

/// Dashboard sessions live in the database: two servers on one PostgreSQL database serve the
/// same session, and signing out through one ends it on the other.
@Suite struct AdminMultiServerTests {
    @Test func aSessionOpenedOnOneServerWorksAndEndsOnTheOther() async throws {
        try await MultiServerTests.twoServers { one, c1, two, c2, dir in
            var onOne = AdminBrowser(TestServer(server: one, dataDirectory: dir), c1)
            try await onOne.signIn(one.adminToken)
            var onTwo = AdminBrowser(TestServer(server: two, dataDirectory: dir), c2)
            onTwo.session = onOne.session
            let page = try await onTwo.get("/admin/cards")
            #expect(page.status == .ok, "the other server knows the session")
            let csrf = try #require(AdminBrowser.csrf(in: page))
            #expect(try await onTwo.post("/admin/sign-out", [("csrf", csrf)]).status == .seeOther)
            #expect(try await onOne.get("/admin/cards").status == .seeOther, "signed out everywhere")
        }
    }
}
