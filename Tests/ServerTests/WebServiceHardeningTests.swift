import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Storage
import Testing
import TestSupport

@testable import Server

/// The PassKit web service's doors: dates from the future, device identifiers; over HTTP on both databases.
@Suite struct WebServiceHardeningTests {
    @Test(arguments: Engine.allCases)
    func ifModifiedSinceInTheFutureIsIgnoredByTheRouteAndTheFastPath(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let serial = try await s.createPass(client)
            let uri = "/v1/passes/\(s.passType)/\(serial)"
            let auth: HTTPFields = [.authorization: "ApplePass \(s.token(serial))"]
            var future = auth
            future[.ifModifiedSince] = HTTPDate.format(Date().addingTimeInterval(86_400))

            // Nothing cached yet: the route answers.
            let routed = try await client.execute(uri: uri, method: .get, headers: future)
            #expect(routed.status == .ok && routed.body.readableBytes > 0, "RFC 9110 §13.1.3: a date later than now is ignored")
            #expect(FastPathTests.fastAnswers(s) == 0)
            // Now cached: the fast path answers, the same way.
            let fast = try await client.execute(uri: uri, method: .get, headers: future)
            #expect(fast.status == .ok && fast.body == routed.body)
            #expect(FastPathTests.fastAnswers(s) == 1)
            let head = try await client.execute(uri: uri, method: .head, headers: future)
            #expect(head.status == .ok && FastPathTests.fastAnswers(s) == 2)

            // A date the server sent still gives 304, on both.
            var since = auth
            since[.ifModifiedSince] = routed.headers[.lastModified]
            #expect(try await client.execute(uri: uri, method: .get, headers: since).status == .notModified)
            #expect(FastPathTests.fastAnswers(s) == 3)
        }
    }

    @Test func aFutureDateIsNotUnchanged() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let entry = PassVersionCache.Entry(PassVersion(template: "loyalty", updateTag: 1, modifiedAt: now.addingTimeInterval(-60)), token: "t")
        #expect(entry.isUnchanged(since: now, now: now))
        #expect(entry.isUnchanged(since: now.addingTimeInterval(-60), now: now))
        #expect(!entry.isUnchanged(since: now.addingTimeInterval(-61), now: now))
        #expect(!entry.isUnchanged(since: now.addingTimeInterval(1), now: now))
    }

    static let refusedDevices: [(String, String)] = [
        ("a space", "%20"), ("right-to-left override", "%E2%80%AE" + "abc"), ("emoji", "%F0%9F%98%80"),
        ("overlong", String(repeating: "a", count: 129)), ("an encoded slash", "a%2Fb"), ("non-ASCII letter", "d%C3%A9vice"),
    ]

    @Test(arguments: Engine.allCases)
    func deviceLibraryIdentifiersAreCheckedAtTheDoor(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let serial = try await s.createPass(client)
            let body = ByteBuffer(string: #"{"pushToken":"\#(pushTokenA)"}"#)
            for (what, device) in Self.refusedDevices {
                let path = "/v1/devices/\(device)/registrations/\(s.passType)"
                let register = try await client.execute(uri: "\(path)/\(serial)", method: .post, headers: s.appleAuth(serial), body: body)
                #expect(register.status == .badRequest, "\(what)")
                #expect(register.headers[.contentType] == "application/problem+json", "\(what)")
                #expect(try await client.execute(uri: path, method: .get).status == .badRequest, "\(what)")
                #expect(try await client.execute(uri: "\(path)/\(serial)", method: .delete, headers: s.appleAuth(serial)).status == .badRequest, "\(what)")
            }
            #expect(try await s.service.store.registrationCount(passTypeIdentifier: s.passType, serialNumber: serial) == 0, "nothing stored")
            #expect(try await s.server.database.read { try await $0.query("SELECT COUNT(*) FROM devices").first?.int(0) } == 0)

            // What wallets send: 32 hex digits (iPhone), a UUID (Android apps), 128 characters at most.
            for device in ["0123456789abcdef0123456789abcdef", "3F2504E0-4F89-11D3-9A0C-0305E82C3301", String(repeating: "a", count: 128), "dev_1.x"] {
                let r = try await client.execute(
                    uri: "/v1/devices/\(device)/registrations/\(s.passType)/\(serial)", method: .post, headers: s.appleAuth(serial), body: body)
                #expect(r.status == .created, "\(device)")
            }
        }
    }
}
