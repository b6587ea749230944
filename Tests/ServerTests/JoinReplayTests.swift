import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Storage
import Testing
import TestSupport

@testable import Server

/// A finished `/join` request is no login: confirming it again (any code, or none) issues no
/// link, so a link revoked since stays revoked; and of two confirmations racing, one issues.
@Suite struct JoinReplayTests {
    static let phone = "+79123456789"

    /// Starts a registration and returns its request id and code (from the dev SMS sink).
    func started(_ d: DistributionServer, name: String = "Анна Петрова", children: [String] = []) async throws -> (id: String, code: String) {
        var fields = [("lang", "en"), ("name", name), ("phone", Self.phone), ("consent", "yes"), ("website", "")]
        for (i, c) in children.enumerated() { fields.append(("child\(i + 1)", c)) }
        let before = try d.sentMessages().count
        let sent = try await d.postForm("/join", fields)
        #expect(sent.status == .ok, "\(sent.text)")
        let marker = try #require(sent.text.range(of: #"name="request" value=""#))
        let id = String(sent.text[marker.upperBound...].prefix { $0 != "\"" })
        _ = try await d.waitForMessages(before + 1)
        return (id, try #require(try d.latestCode(to: Self.phone)))
    }

    /// The link tokens (`/p/…`) in a page.
    static func tokens(_ text: String) -> [String] {
        text.components(separatedBy: "/p/").dropFirst().map { String($0.prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) }
    }

    @Test(arguments: Engine.allCases)
    func aCompletedRequestIssuesNothingAndRevokedLinksStayRevoked(_ engine: Engine) async throws {
        try await DistributionServer.run(engine) { d in
            try await d.configureProgram()
            let (id, code) = try await started(d, children: ["Миша"])
            let done = try await d.postForm("/join/confirm", [("lang", "en"), ("request", id), ("code", code)])
            #expect(done.status == .ok, "\(done.text)")
            let token = try #require(Self.tokens(done.text).first)
            let number = try #require(try await d.api.numbers(phone: Self.phone).first)
            let revoke = try await d.api.call(.delete, "/cards/\(number)/link")
            #expect(revoke.status == .ok)
            let links = try await d.count("SELECT COUNT(*) FROM download_links")
            let messages = try await d.count("SELECT COUNT(*) FROM sms_outbox")

            // The same id again: with the right code, a wrong one, none at all.
            for fields in [[("code", code)], [("code", "000000")], [("code", "")], []] {
                let again = try await d.postForm("/join/confirm", [("lang", "en"), ("request", id)] + fields)
                #expect(again.status == .conflict, "\(fields): \(again.status)")
                #expect(again.text.contains("already complete") && again.text.contains("+7912•••••89"))
                #expect(Self.tokens(again.text).isEmpty, "no link on the page: \(again.text)")
            }
            #expect(try await d.count("SELECT COUNT(*) FROM download_links") == links)
            #expect(try await d.count("SELECT COUNT(*) FROM sms_outbox") == messages, "nothing sent again")
            let revoked = try await d.request(.get, "/p/\(token)", headers: [.acceptLanguage: "en"])
            #expect(revoked.status == .gone, "the revoked link stays revoked")
        }
    }

    @Test(arguments: Engine.allCases)
    func ofTwoConfirmationsRacingOneIssues(_ engine: Engine) async throws {
        try await DistributionServer.run(engine) { d in
            try await d.configureProgram()
            let (id, code) = try await started(d)
            let service = d.distribution
            let outcomes = try await withThrowingTaskGroup(of: DistributionService.JoinConfirm.self) { group in
                for _ in 0..<4 { group.addTask { try await service.confirmJoin(requestID: id, code: code) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let joined = outcomes.filter { if case .joined = $0 { return true } else { return false } }
            #expect(joined.count == 1, "\(outcomes)")
            for outcome in outcomes {
                switch outcome {
                case .joined, .completed: break
                default: Issue.record("a racing confirmation answered \(outcome)")
                }
            }
            #expect(try await d.count("SELECT COUNT(*) FROM sms_outbox WHERE kind = 'link'") == 1)
            #expect(try await d.count("SELECT COUNT(*) FROM cards") == 1)
        }
    }
}
