// The development stand-in for a phone: every message is appended to a file as a JSON line and
// written to the log, so a developer (or a test, or a browser test) can read the code or link.

import Foundation
import Logging
import Synchronization

/// An ``SmsGateway`` that delivers to a file of JSON lines and to the log.
///
/// Each line: `{"at":"2025-01-01T10:00:00Z","id":"dev-1","sender":null,"text":"…","to":"+79123456789"}`.
/// For development only: the log receives message texts, links and codes included.
public final class DevSmsSink: SmsGateway {
    public let file: String
    let logger: Logger
    private let counter = Mutex(0)

    /// - Parameter file: created (with its directory) if missing; appended to otherwise.
    public init(file: String, logger: Logger) throws {
        self.file = file
        self.logger = logger
        let url = URL(fileURLWithPath: file)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: file) {
            guard FileManager.default.createFile(atPath: file, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                throw SmsGatewayError.rejected("\(file): cannot be created")
            }
        }
    }

    public var name: String { "dev" }

    struct Line: Encodable {
        var at: String
        var id: String
        var sender: String?
        var text: String
        var to: String
    }

    public func send(_ message: SmsMessage) async throws -> SmsReceipt {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Appends are serialized so lines never interleave.
        let id = try counter.withLock { n -> String in
            n += 1
            let id = "dev-\(n)"
            var data = try encoder.encode(Line(at: Date().formatted(.iso8601), id: id, sender: message.sender, text: message.text, to: message.to.e164))
            data.append(UInt8(ascii: "\n"))
            guard let handle = FileHandle(forWritingAtPath: file) else { throw SmsGatewayError.unavailable("\(file): cannot be opened") }
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: data)
            return id
        }
        logger.notice("dev SMS to \(message.to.e164): \(message.text)", metadata: ["sms.id": "\(id)"])
        return SmsReceipt(providerMessageID: id)
    }
}
