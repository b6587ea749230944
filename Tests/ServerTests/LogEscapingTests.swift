import Foundation
import Logging
import Synchronization
import Testing

@testable import Server

/// Text captured from a real `StreamLogHandler` (swift-log's own formatter).
final class CapturedLog: TextOutputStream, Sendable {
    private let text = Mutex("")
    func write(_ string: String) { text.withLock { $0 += string } }
    var lines: [String] { text.withLock { $0 }.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init) }
    var all: String { text.withLock { $0 } }

    /// A logger that writes here, through the escaping handler unless told otherwise.
    func logger(escaping: Bool = true, level: Logger.Level = .trace) -> Logger {
        var logger = Logger(label: "passline") { label in
            let stream = StreamLogHandler(label: label, stream: self, metadataProvider: nil)
            return escaping ? EscapingLogHandler(wrapping: stream) : stream
        }
        logger.logLevel = level
        return logger
    }
}

/// ``LogEscaping`` and ``EscapingLogHandler``: nothing logged can start a line of its own or
/// reorder what a terminal shows.
@Suite struct LogEscapingTests {
    @Test func escapesControlAndBidiCharacters() {
        let cases: [(String, String)] = [
            ("a\nb", #"a\nb"#), ("a\rb", #"a\rb"#), ("a\tb", #"a\tb"#), ("a\0b", #"a\0b"#),
            ("\u{1}\u{1B}[31m\u{1F}", #"\u{1}\u{1B}[31m\u{1F}"#),
            ("\u{7F}", #"\u{7F}"#), ("\u{80}\u{85}\u{9F}", #"\u{80}\u{85}\u{9F}"#),
            ("\u{202A}\u{202B}\u{202C}\u{202D}\u{202E}", #"\u{202A}\u{202B}\u{202C}\u{202D}\u{202E}"#),
            ("\u{2066}\u{2067}\u{2068}\u{2069}", #"\u{2066}\u{2067}\u{2068}\u{2069}"#),
            ("x\u{2028}y\u{2029}z", #"x\u{2028}y\u{2029}z"#),
            ("\r\n", #"\r\n"#),
        ]
        for (raw, escaped) in cases {
            #expect(LogEscaping.escape(raw) == escaped, "\(raw.unicodeScalars.map { String($0.value, radix: 16) })")
        }
    }

    @Test func leavesOrdinaryTextAlone() {
        // Neighbours of every escaped range, non-ASCII letters, emoji, a backslash.
        for text in ["plain", "Анна Петрова", "🙂 ok", #"C:\path \n as typed"#, "\u{20}\u{7E}\u{A0}\u{2027}\u{202F}\u{2065}\u{206A}", ""] {
            #expect(LogEscaping.escape(text) == text)
        }
    }

    @Test func handlerEscapesMessageMetadataProviderAndError() {
        struct Failure: Error, CustomStringConvertible { var description: String }
        let log = CapturedLog()
        var logger = log.logger()
        logger[metadataKey: "stored"] = "s\nstored"
        logger.info(
            "m\ncritical forged",
            metadata: [
                "plain": "p\u{202E}p", "key\nbreak": "k",
                "nested": .dictionary(["inner": .array(["a\nb", .stringConvertible(Failure(description: "c\rd"))])]),
            ])
        logger.error("failed", error: Failure(description: "e\n2026-01-01T00:00:00+0000 critical x"))
        var provided = Logger(label: "p", factory: { _ in EscapingLogHandler(wrapping: StreamLogHandler(label: "p", stream: log, metadataProvider: nil)) })
        provided.handler.metadataProvider = Logger.MetadataProvider { ["task": "t\nt"] }
        provided.info("with provider")

        #expect(log.lines.count == 3, "\(log.all)")
        let text = log.all
        // Nested values print as Swift's array and dictionary descriptions, which quote (and
        // double the backslash of) the escaped text.
        for escaped in [
            #"m\ncritical forged"#, #"s\nstored"#, #"p\u{202E}p"#, #"key\nbreak"#, #""a\\nb""#, #""c\\rd""#, #"e\n2026-01-01T00:00:00+0000 critical x"#, #"t\nt"#,
        ] {
            #expect(text.contains(escaped), "\(escaped) in \(text)")
        }
        #expect(!text.unicodeScalars.contains { $0 == "\r" || $0 == "\u{202E}" })
    }

    /// Without the handler the same call does forge a line: what the tests above guard against.
    @Test func aPlainHandlerWouldForgeALine() {
        let log = CapturedLog()
        log.logger(escaping: false).info("device log", metadata: ["message": "x\n2026-01-01T00:00:00+0000 critical passline: forged"])
        #expect(log.lines.count == 2)
        #expect(log.lines.last?.hasPrefix("2026-01-01T00:00:00+0000 critical") == true)
    }
}
