import Foundation
import Hummingbird
import HummingbirdTesting
import PassBuilder
import Storage
import Testing
import TestSupport

@testable import Server

/// `/api/v1/passes`, `/healthz`, `/metrics`, over real HTTP on both databases.
@Suite struct PassAPITests {
    @Test(arguments: Engine.allCases)
    func createGetPatchAndDownload(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let body = #"{"template":"loyalty","variant":"gold","values":{"serialNumber":"ignored","holderName":"Ольга \"Шах\" Мат ♞","cardNumber":"79123456789-1","points":10,"tierName":"Gold","promo":"","memberSince":"2026-09-01T10:00:00+03:00"}}"#
            let created = try await client.execute(uri: "/api/v1/passes", method: .post, headers: s.adminAuth, body: ByteBuffer(string: body))
            #expect(created.status == .created)
            let json = try #require(created.json)
            let serial = try #require(json["serialNumber"]?.stringValue)
            #expect(json["passTypeIdentifier"]?.stringValue == s.passType)
            let tag = try #require(json["updateTag"]?.stringValue.flatMap { Int64($0) })
            #expect(json["values"]?["serialNumber"]?.stringValue == serial, "the serial value is the server's")

            let patched = try await client.execute(uri: "/api/v1/passes/\(serial)", method: .patch, headers: s.adminAuth, body: ByteBuffer(string: #"{"values":{"points":250}}"#))
            #expect(patched.status == .ok)
            #expect(patched.json?["values"]?["points"] == .integer(250))
            #expect(patched.json?["values"]?["holderName"]?.stringValue == "Ольга \"Шах\" Мат ♞", "PATCH merges")
            #expect(Int64(patched.json?["updateTag"]?.stringValue ?? "") ?? 0 > tag)

            let shown = try await client.execute(uri: "/api/v1/passes/\(serial)", method: .get, headers: s.adminAuth)
            #expect(shown.json?["variant"]?.stringValue == "gold")

            let download = try await client.execute(uri: "/api/v1/passes/\(serial)/pkpass", method: .get, headers: s.adminAuth)
            #expect(download.status == .ok)
            #expect(download.headers[.contentType] == "application/vnd.apple.pkpass")
            let report = PassVerifier.verify(bytes: download.bytes)
            #expect(report.isValid, "\(report.errors)")
            #expect(report.pass?.structure?.primaryFields?.first?.value == .string("Ольга \"Шах\" Мат ♞"))
            #expect(report.pass?.structure?.headerFields?.first?.value == .integer(250))
            #expect(report.pass?.backgroundColor == "rgb(122, 90, 24)")
        }
    }

    @Test(arguments: Engine.allCases)
    func signedOncePerVersion(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let serial = try await s.createPass(client)
            // 20 concurrent fetches of one version: one signature, identical bytes.
            let bodies = try await withThrowingTaskGroup(of: [UInt8].self) { group in
                for _ in 0..<20 {
                    group.addTask { try await client.execute(uri: "/v1/passes/\(s.passType)/\(serial)", method: .get, headers: s.appleAuth(serial)).bytes }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(Set(bodies).count == 1)
            #expect(s.service.cache.count == 1)
            let metrics = String(decoding: try await client.execute(uri: "/metrics", method: .get).bytes, as: UTF8.self)
            #expect(metrics.contains("passline_pass_cache_misses_total 1"))
            #expect(metrics.contains("passline_pass_signing_seconds_count 1"))
        }
    }

    @Test(arguments: Engine.allCases)
    func badRequestsAreProblemJSON(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let cases: [(String, HTTPResponse.Status, String?)] = [
                ("{", .badRequest, nil),
                (#"{"variant":"gold"}"#, .unprocessableContent, "template"),
                (#"{"template":"nope"}"#, .unprocessableContent, "template"),
                (#"{"template":"loyalty","variant":"platinum"}"#, .unprocessableContent, "variant"),
                (#"{"template":"loyalty","values":{"points":"many"}}"#, .unprocessableContent, "values"),
                (#"{"template":"loyalty","values":{"points":1}}"#, .unprocessableContent, "values"),
                (#"{"template":"loyalty","values":[]}"#, .unprocessableContent, "values"),
                (#"{"template":"loyalty","serialNumber":"../x"}"#, .unprocessableContent, "serialNumber"),
                (#"{"template":"loyalty","pad":"\#(String(repeating: "x", count: 70_000))"}"#, .contentTooLarge, nil),
            ]
            for (body, status, field) in cases {
                let r = try await client.execute(uri: "/api/v1/passes", method: .post, headers: s.adminAuth, body: ByteBuffer(string: body))
                #expect(r.status == status, "\(body.prefix(60))")
                #expect(r.headers[.contentType] == "application/problem+json")
                if let field { #expect(r.json?["field"]?.stringValue == field, "\(body.prefix(60))") }
            }
            // Duplicate serial: 409, the first pass untouched.
            let one = try await client.execute(uri: "/api/v1/passes", method: .post, headers: s.adminAuth, body: ByteBuffer(string: #"{"template":"loyalty","serialNumber":"CARD-1"}"#))
            #expect(one.status == .created)
            let two = try await client.execute(uri: "/api/v1/passes", method: .post, headers: s.adminAuth, body: ByteBuffer(string: #"{"template":"loyalty","serialNumber":"CARD-1","variant":"gold"}"#))
            #expect(two.status == .conflict)
            #expect(try await s.service.store.pass(passTypeIdentifier: s.passType, serialNumber: "CARD-1")?.variant == nil)
            // Unknown serial, no token, wrong token.
            #expect(try await client.execute(uri: "/api/v1/passes/NOPE", method: .get, headers: s.adminAuth).status == .notFound)
            #expect(try await client.execute(uri: "/api/v1/passes/NOPE", method: .patch, headers: s.adminAuth, body: ByteBuffer(string: #"{"values":{"points":1}}"#)).status == .notFound)
            #expect(try await client.execute(uri: "/api/v1/passes/CARD-1", method: .get).status == .unauthorized)
            #expect(try await client.execute(uri: "/api/v1/passes/CARD-1", method: .get, headers: [.authorization: "Bearer wrong"]).status == .unauthorized)
            // A PATCH with a wrong type changes nothing.
            let before = try await s.service.store.pass(passTypeIdentifier: s.passType, serialNumber: "CARD-1")
            let badPatch = try await client.execute(uri: "/api/v1/passes/CARD-1", method: .patch, headers: s.adminAuth, body: ByteBuffer(string: #"{"values":{"points":1.5}}"#))
            #expect(badPatch.status == .unprocessableContent)
            #expect(try await s.service.store.pass(passTypeIdentifier: s.passType, serialNumber: "CARD-1") == before)
        }
    }

    @Test(arguments: Engine.allCases)
    func healthAndMetrics(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .ok)
            #expect(health.json?["database"]?.stringValue == "ok")
            let serial = try await s.createPass(client)
            _ = try await client.execute(
                uri: "/v1/devices/d/registrations/\(s.passType)/\(serial)", method: .post, headers: s.appleAuth(serial), body: ByteBuffer(string: #"{"pushToken":"\#(pushTokenA)"}"#))
            let metrics = String(decoding: try await client.execute(uri: "/metrics", method: .get).bytes, as: UTF8.self)
            #expect(metrics.contains(#"passline_webservice_registrations_total{outcome="created"} 1"#))
            #expect(metrics.contains(#"route="/v1/devices/{device}/registrations/{passType}/{serial}",method="POST",status="201""#))
            #expect(!metrics.contains(serial), "metrics never carry concrete serials")
            #expect(!metrics.contains(s.token(serial)))
        }
    }
}
