import Foundation
import Hummingbird
import HummingbirdTesting
import PassBuilder
import Storage
import Testing
import TestSupport

@testable import Server

/// The PassKit Web Service, endpoint by endpoint and status by status, over real HTTP on both databases.
@Suite struct WebServiceTests {
    static func registerPath(_ s: TestServer, device: String, serial: String) -> String {
        "/v1/devices/\(device)/registrations/\(s.passType)/\(serial)"
    }

    @Test(arguments: Engine.allCases)
    func registerTwiceThenUpdatesPushToken(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let serial = try await s.createPass(client)
            let path = Self.registerPath(s, device: "device-1", serial: serial)
            let first = try await client.execute(uri: path, method: .post, headers: s.appleAuth(serial), body: ByteBuffer(string: #"{"pushToken":"\#(pushTokenA)"}"#))
            #expect(first.status == .created)
            let second = try await client.execute(uri: path, method: .post, headers: s.appleAuth(serial), body: ByteBuffer(string: #"{"pushToken":"\#(pushTokenB)"}"#))
            #expect(second.status == .ok)
            let device = try await s.service.store.device("device-1")
            #expect(device?.pushToken == pushTokenB)
            #expect(device?.client == .apple)
            #expect(try await s.service.store.registrationCount(passTypeIdentifier: s.passType, serialNumber: serial) == 1)
        }
    }

    @Test(arguments: Engine.allCases)
    func wrongOrMissingTokenIs401AndWritesNothing(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let serial = try await s.createPass(client)
            let other = try await s.createPass(client)
            let path = Self.registerPath(s, device: "device-1", serial: serial)
            let body = ByteBuffer(string: #"{"pushToken":"\#(pushTokenA)"}"#)
            for headers: HTTPFields in [
                [:], [.authorization: "ApplePass wrong-token-wrong-token-wrong-token-xx"], [.authorization: "ApplePass \(s.token(other))"],
                [.authorization: "Bearer \(s.token(serial))"],
            ] {
                let r = try await client.execute(uri: path, method: .post, headers: headers, body: body)
                #expect(r.status == .unauthorized)
                #expect(r.headers[.contentType] == "application/problem+json")
            }
            for (method, uri) in [(HTTPRequest.Method.get, "/v1/passes/\(s.passType)/\(serial)"), (.delete, path)] {
                let r = try await client.execute(uri: uri, method: method, headers: [.authorization: "ApplePass \(s.token(other))"])
                #expect(r.status == .unauthorized, "\(method) \(uri)")
            }
            #expect(try await s.service.store.device("device-1") == nil)
        }
    }

    @Test(arguments: Engine.allCases)
    func serialsSinceATag(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let a = try await s.createPass(client)
            let b = try await s.createPass(client)
            let untouched = try await s.createPass(client)
            for serial in [a, b] {
                let r = try await client.execute(uri: Self.registerPath(s, device: "dev", serial: serial), method: .post, headers: s.appleAuth(serial), body: ByteBuffer(string: #"{"pushToken":"\#(pushTokenA)"}"#))
                #expect(r.status == .created)
            }
            // No passesUpdatedSince: every pass the device registered, none other; lastUpdated is a string.
            let all = try await client.execute(uri: "/v1/devices/dev/registrations/\(s.passType)", method: .get)
            #expect(all.status == .ok)
            #expect(all.headers[.contentType] == "application/json")
            let json = try #require(all.json)
            #expect(Set(json["serialNumbers"]?.arrayValue?.compactMap(\.stringValue) ?? []) == [a, b])
            let tag = try #require(json["lastUpdated"]?.stringValue, "lastUpdated must be a JSON string")
            // Nothing changed since: 204.
            let none = try await client.execute(uri: "/v1/devices/dev/registrations/\(s.passType)?passesUpdatedSince=\(tag)", method: .get)
            #expect(none.status == .noContent)
            // Change b (and a pass the device doesn't hold): only b comes back, with a later tag.
            for serial in [b, untouched] {
                let patch = try await client.execute(uri: "/api/v1/passes/\(serial)", method: .patch, headers: s.adminAuth, body: ByteBuffer(string: #"{"values":{"points":42}}"#))
                #expect(patch.status == .ok)
            }
            let changed = try await client.execute(uri: "/v1/devices/dev/registrations/\(s.passType)?passesUpdatedSince=\(tag)", method: .get)
            #expect(changed.status == .ok)
            #expect(changed.json?["serialNumbers"] == .array([.string(b)]))
            let newTag = try #require(changed.json?["lastUpdated"]?.stringValue)
            #expect(Int64(newTag)! > Int64(tag)!)
            // An unknown device, and a garbage tag.
            #expect(try await client.execute(uri: "/v1/devices/nobody/registrations/\(s.passType)", method: .get).status == .noContent)
            #expect(try await client.execute(uri: "/v1/devices/dev/registrations/\(s.passType)?passesUpdatedSince=abc", method: .get).status == .badRequest)
        }
    }

    @Test(arguments: Engine.allCases)
    func latestPassWithLastModifiedAndIfModifiedSince(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let serial = try await s.createPass(client)
            let uri = "/v1/passes/\(s.passType)/\(serial)"
            let first = try await client.execute(uri: uri, method: .get, headers: s.appleAuth(serial))
            #expect(first.status == .ok)
            #expect(first.headers[.contentType] == "application/vnd.apple.pkpass")
            let lastModified = try #require(first.headers[.lastModified])
            #expect(HTTPDate.parse(lastModified) != nil, "Last-Modified must be an HTTP-date")
            // The pass is signed, carries the web service and its token, and verifies.
            let report = PassVerifier.verify(bytes: first.bytes)
            #expect(report.isValid, "\(report.errors)")
            #expect(report.pass?.webServiceURL == "https://passes.example.com")
            #expect(report.pass?.authenticationToken == s.token(serial))
            #expect(report.pass?.serialNumber == serial)
            // Unchanged since that date: 304 with no body.
            let notModified = try await client.execute(uri: uri, method: .get, headers: s.appleAuth(serial) + [.ifModifiedSince: lastModified])
            #expect(notModified.status == .notModified)
            #expect(notModified.body.readableBytes == 0)
            // HEAD: same headers as GET, no body.
            let head = try await client.execute(uri: uri, method: .head, headers: s.appleAuth(serial))
            #expect(head.status == .ok)
            #expect(head.headers[.contentType] == "application/vnd.apple.pkpass")
            #expect(head.headers[.lastModified] == lastModified)
            #expect(head.body.readableBytes == 0)
            // Two changes within the same second still move Last-Modified forward.
            for points in [7, 8] {
                _ = try await client.execute(uri: "/api/v1/passes/\(serial)", method: .patch, headers: s.adminAuth, body: ByteBuffer(string: #"{"values":{"points":\#(points)}}"#))
                let after = try await client.execute(uri: uri, method: .get, headers: s.appleAuth(serial) + [.ifModifiedSince: lastModified])
                #expect(after.status == .ok)
            }
            let latest = try await client.execute(uri: uri, method: .get, headers: s.appleAuth(serial))
            let pass = try #require(PassVerifier.verify(bytes: latest.bytes).pass)
            #expect(pass.structure?.headerFields?.first?.value == .integer(8))
            #expect(HTTPDate.parse(latest.headers[.lastModified] ?? "")! > HTTPDate.parse(lastModified)!)
            // An unknown serial (with a token that would be valid for it) is 404.
            let ghost = try await client.execute(uri: "/v1/passes/\(s.passType)/GHOST", method: .get, headers: s.appleAuth("GHOST"))
            #expect(ghost.status == .notFound)
        }
    }

    @Test(arguments: Engine.allCases)
    func unregisterRemovesTheDeviceWithItsLastRegistration(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let a = try await s.createPass(client)
            let b = try await s.createPass(client)
            for serial in [a, b] {
                _ = try await client.execute(uri: Self.registerPath(s, device: "dev", serial: serial), method: .post, headers: s.appleAuth(serial), body: ByteBuffer(string: #"{"pushToken":"\#(pushTokenA)"}"#))
            }
            #expect(try await client.execute(uri: Self.registerPath(s, device: "dev", serial: a), method: .delete, headers: s.appleAuth(a)).status == .ok)
            #expect(try await s.service.store.device("dev") != nil)
            let serials = try await client.execute(uri: "/v1/devices/dev/registrations/\(s.passType)", method: .get)
            #expect(serials.json?["serialNumbers"] == .array([.string(b)]))
            #expect(try await client.execute(uri: Self.registerPath(s, device: "dev", serial: b), method: .delete, headers: s.appleAuth(b)).status == .ok)
            #expect(try await s.service.store.device("dev") == nil)
            #expect(try await client.execute(uri: "/v1/devices/dev/registrations/\(s.passType)", method: .get).status == .noContent)
        }
    }

    @Test(arguments: Engine.allCases)
    func logIsStored(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let r = try await client.execute(uri: "/v1/log", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: #"{"logs":["Web service error for pass.x (https://x): Response to 'What changed?' request included 1 serial numbers but the lastUpdated tag (5) remained the same."]}"#))
            #expect(r.status == .ok)
            let log = try await s.service.store.recentLog()
            #expect(log.first?.contains("What changed?") == true)
            let bad = try await client.execute(uri: "/v1/log", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: #"{"logs":"#))
            #expect(bad.status == .badRequest)
        }
    }

    @Test(arguments: Engine.allCases)
    func androidPassSchemeIsRecorded(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let serial = try await s.createPass(client)
            let fcm = "dXk3_bT9R0a:APA91bHPRgkF3JUikC4ENAHEeMrd41Zxv3hVZjC9KtT8OvPVGJ-hQMRKRrZuJAEcl7B338qju59zJMjw2DELjzEvxwYv7hH5Ynpc1ODQ0aT4U4OFEeco8ohsN5PjL1iC2dNtk2BAokeMCg2ZXKqpc8FXKmhX94kIxQ"
            let r = try await client.execute(
                uri: Self.registerPath(s, device: "android-1", serial: serial), method: .post,
                headers: [.authorization: "AndroidPass \(s.token(serial))", .contentType: "application/json"], body: ByteBuffer(string: #"{"pushToken":"\#(fcm)"}"#))
            #expect(r.status == .created)
            let device = try await s.service.store.device("android-1")
            #expect(device?.client == .android)
            #expect(device?.pushToken == fcm)
        }
    }

    /// An APNs token is checked as APNs takes it (`PushToken`) when the device registers, so a short
    /// or odd-length one is refused at once instead of stored and deleted at the first push.
    @Test(arguments: Engine.allCases)
    func anAPNsTokenIsValidatedAtRegistration(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let serial = try await s.createPass(client)
            let path = Self.registerPath(s, device: "dev", serial: serial)
            for bad in [String(repeating: "a", count: 16), String(repeating: "a", count: 65)] {
                let r = try await client.execute(uri: path, method: .post, headers: s.appleAuth(serial), body: ByteBuffer(string: #"{"pushToken":"\#(bad)"}"#))
                #expect(r.status == .badRequest, "\(bad.count) digits")
                #expect(r.json?["field"]?.stringValue == "pushToken")
            }
            #expect(try await s.service.store.device("dev") == nil)
            let good = try await client.execute(uri: path, method: .post, headers: s.appleAuth(serial), body: ByteBuffer(string: #"{"pushToken":"\#(pushTokenA)"}"#))
            #expect(good.status == .created)
            #expect(try await s.service.store.device("dev")?.pushToken == pushTokenA)
        }
    }

    @Test(arguments: Engine.allCases)
    func badInputIs4xxWithJSONAndWritesNothing(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let serial = try await s.createPass(client)
            let path = Self.registerPath(s, device: "dev", serial: serial)
            let cases: [(String, HTTPResponse.Status)] = [
                ("{", .badRequest),
                ("[]", .badRequest),
                (#"{"pushToken":42}"#, .badRequest),
                (#"{"pushToken":"not-hex-not-hex-not-hex"}"#, .badRequest),
                (#"{"pushToken":"\#(String(repeating: "ab", count: 200))"}"#, .badRequest),
                (#"{"pushToken":"\#(String(repeating: "a", count: 20_000))"}"#, .contentTooLarge),
                ("", .badRequest),
            ]
            for (body, status) in cases {
                let r = try await client.execute(uri: path, method: .post, headers: s.appleAuth(serial), body: ByteBuffer(string: body))
                #expect(r.status == status, "body \(body.prefix(40))")
                #expect(r.headers[.contentType] == "application/problem+json")
                #expect(r.json?["detail"]?.stringValue?.isEmpty == false)
            }
            #expect(try await s.service.store.device("dev") == nil)
            // Path segments with .. or control characters, and an overlong one.
            for bad in ["a..b", "a%01b", "a%00b", "a%2F..%2Fb", String(repeating: "x", count: 300)] {
                let r = try await client.execute(uri: "/v1/passes/\(s.passType)/\(bad)", method: .get, headers: s.appleAuth(serial))
                #expect(r.status == .badRequest, "serial \(bad.prefix(20))")
                let reg = try await client.execute(uri: "/v1/devices/\(bad)/registrations/\(s.passType)", method: .get)
                #expect(reg.status == .badRequest, "device \(bad.prefix(20))")
            }
        }
    }
}

extension HTTPFields {
    static func + (a: HTTPFields, b: HTTPFields) -> HTTPFields {
        var out = a
        for field in b { out[field.name] = field.value }
        return out
    }
}
