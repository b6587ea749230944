import Foundation
import HTTPTypes
import NIOCore
import PassBuilder
import Storage
import Testing
import TestSupport

@testable import Server

/// Imports and exports through `/api/v1`, as the import tests use them.
extension LoyaltyAPI {
    /// POST /imports with a CSV body.
    func importCSV(_ csv: String, idempotencyKey: String? = nil) async throws -> Reply {
        var extra: HTTPFields = [.contentType: "text/csv"]
        if let idempotencyKey { extra[IdempotencyMiddleware.header] = idempotencyKey }
        return try await call(.post, "/imports", csv, headers: extra)
    }

    /// Polls the import until it is done or failed; fails after 60 s.
    func finishedImport(_ id: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> JSONValue {
        let deadline = ContinuousClock.now + .seconds(60)
        while true {
            let r = try await get("/imports/\(id)")
            #expect(r.status == .ok, "\(r.text)", sourceLocation: sourceLocation)
            let json = try #require(r.json, sourceLocation: sourceLocation)
            if ["done", "failed"].contains(json["state"]?.stringValue ?? "") || ContinuousClock.now > deadline {
                #expect(json["state"]?.stringValue == "done", "import \(id): \(r.text)", sourceLocation: sourceLocation)
                return json
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Imports a file that must be accepted and finish; returns the finished import.
    @discardableResult
    func importAndWait(_ csv: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> JSONValue {
        let r = try await importCSV(csv)
        #expect(r.status == .accepted, "\(r.text)", sourceLocation: sourceLocation)
        let id = try #require(r.json?["id"]?.stringValue, sourceLocation: sourceLocation)
        #expect(r.headers[.location] == "/api/v1/imports/\(id)", sourceLocation: sourceLocation)
        return try await finishedImport(id, sourceLocation: sourceLocation)
    }

    /// GET an export as text; records an issue unless it is 200 CSV.
    func export(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let r = try await get("/exports/\(path)")
        #expect(r.status == .ok, "\(r.text)", sourceLocation: sourceLocation)
        #expect(r.headers[.contentType] == "text/csv; charset=utf-8", sourceLocation: sourceLocation)
        return r.text
    }

    /// Data lines of a CSV text (the header dropped), as cells (quotes undone).
    static func csvRows(_ text: String) -> [[String]] {
        text.split(separator: "\r\n").dropFirst().map { BroadcastCSV.cells($0, separator: ",") }
    }

    /// The header line's cells.
    static func csvHeader(_ text: String) -> [String] {
        text.split(separator: "\r\n").first.map { BroadcastCSV.cells($0, separator: ",") } ?? []
    }
}
