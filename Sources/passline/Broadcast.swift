import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PassBuilder
import Server

struct BroadcastCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broadcast",
        abstract: "Send a promotion to many cards through a running server: a message on the pass (and the lock screen), optional points.",
        discussion: """
            POSTs /api/v1/broadcasts, then follows GET /api/v1/broadcasts/{id} with a progress bar on standard error \
            (percent of households, rate, ETA) and prints a summary. Without --tier, --card or --csv every household \
            with an active card is targeted. A CSV with any bad row is refused as a whole (its bad lines are listed).
            The admin token comes from --token, PASSLINE_ADMIN_TOKEN, or DATA_DIR/admin-token.
            """)

    @Option(help: "The message (shown in the pass's promo field; at most 150 characters).")
    var message: String?

    @Option(name: .customLong("message-in"), help: "The message in one language, LANG=TEXT (repeat for each language; instead of --message).")
    var localized: [String] = []

    @Option(help: "Points to grant each targeted household (default 0: message only).")
    var points: Int64 = 0

    @Option(help: "Target households in this tier (repeat for several).")
    var tier: [String] = []

    @Option(help: "Target the household of this card number (repeat for several).")
    var card: [String] = []

    @Option(help: "Target the households of the phones in this CSV file (a `phone` column, or phones in the first column).")
    var csv: String?

    @Option(help: "The server's base URL (default: PASSLINE_PUBLIC_URL, or http://PASSLINE_HTTP_HOST:PASSLINE_HTTP_PORT).")
    var server: String?

    @Option(help: "Admin token (prefer PASSLINE_ADMIN_TOKEN or the data directory's admin-token file: argv is visible to other users).")
    var token: String?

    @Flag(help: "Print the broadcast's id and return without waiting.")
    var noWait = false

    @Flag(help: "Also wait until every recorded push has a final outcome (sent or failed).")
    var waitPushes = false

    func run() async throws {
        let config: ServerConfiguration
        do { config = try ServerConfiguration.load() } catch { throw fail(error.description) }
        let base = (server ?? config.resolvedPublicURL).trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        let client = APIClient(base: base, token: try adminToken(config))
        let body = try requestBody()
        let key = UUID().uuidString
        let created = try await client.send("POST", "/api/v1/broadcasts", body: body, idempotencyKey: key)
        let id = created.json?.int("id") ?? 0
        guard created.status == 202, id > 0 else {
            throw fail("the server refused the broadcast (\(created.status)): \(created.json?["detail"]?.stringValue ?? created.text)")
        }
        if noWait {
            say("broadcast \(id) queued")
            return
        }
        let progress = ProgressBar()
        let started = Date()
        var last = created.json!
        while true {
            let state = last["state"]?.stringValue ?? ""
            progress.draw(percent: last.double("percent"), done: last.int("householdsDone"), total: last.int("targetedHouseholds"), state: state)
            let settled = last.int("pushesSent") + last.int("pushesFailed") >= last.int("pushesRecorded")
            if ["cancelled", "failed"].contains(state) || (state == "done" && (!waitPushes || settled)) { break }
            try await Task.sleep(for: .milliseconds(500))
            let r = try await client.send("GET", "/api/v1/broadcasts/\(id)")
            guard r.status == 200, let json = r.json else { throw fail("GET /api/v1/broadcasts/\(id): \(r.status) \(r.text)") }
            last = json
        }
        progress.finish()
        let elapsed = Date().timeIntervalSince(started)
        say("""
            broadcast \(id): \(last["state"]?.stringValue ?? "?") in \(String(format: "%.1f", elapsed)) s
              targeted:  \(last.int("targetedHouseholds")) households, \(last.int("targetedCards")) cards\(last.int("unmatched") > 0 ? " (\(last.int("unmatched")) listed entries matched nothing)" : "")
              updated:   \(last.int("cardsUpdated")) cards\(last.int("points") > 0 ? ", \(last.int("householdsGranted")) households granted \(last.int("points")) points" : " (message only)")
              pushes:    \(last.int("pushesRecorded")) recorded, \(last.int("pushesSent")) sent, \(last.int("pushesFailed")) failed
              fetched:   \(last.int("fetched")) passes fetched back so far
            """)
        if let error = last["error"]?.stringValue { throw fail("broadcast \(id) failed: \(error)") }
        if last["state"]?.stringValue == "failed" { throw ExitCode.failure }
    }

    func adminToken(_ config: ServerConfiguration) throws -> String {
        if let token { return token }
        if let t = config.adminToken { return t }
        let file = URL(fileURLWithPath: config.dataDirectory).appendingPathComponent("admin-token").path
        guard let data = FileManager.default.contents(atPath: file) else {
            throw fail("no admin token: pass --token, set PASSLINE_ADMIN_TOKEN, or run where \(file) exists")
        }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func requestBody() throws -> [UInt8] {
        var body: [String: JSONValue] = [:]
        switch (message, localized.isEmpty) {
        case (let m?, true): body["message"] = .string(m)
        case (nil, false):
            var texts: [String: JSONValue] = [:]
            for item in localized {
                guard let eq = item.firstIndex(of: "="), eq != item.startIndex else { throw fail("--message-in \(item): expected LANG=TEXT") }
                texts[String(item[..<eq])] = .string(String(item[item.index(after: eq)...]))
            }
            body["message"] = .object(texts)
        case (_?, false): throw fail("give either --message or --message-in, not both")
        case (nil, true): throw fail("--message is required")
        }
        if points != 0 { body["points"] = .integer(points) }
        let audiences = [!tier.isEmpty, !card.isEmpty, csv != nil].filter { $0 }.count
        guard audiences <= 1 else { throw fail("give one of --tier, --card and --csv") }
        if !tier.isEmpty {
            body["audience"] = .object(["type": .string("tiers"), "tiers": .array(tier.map(JSONValue.string))])
        } else if !card.isEmpty {
            body["audience"] = .object(["type": .string("cards"), "cards": .array(card.map(JSONValue.string))])
        } else if let csv {
            let bytes = try readFile(csv)
            guard let text = String(validating: bytes, as: UTF8.self) else { throw fail("\(csv): not UTF-8 text") }
            body["audience"] = .object(["type": .string("phones"), "csv": .string(text)])
        } else {
            body["audience"] = .object(["type": .string("all")])
        }
        return JSONValue.object(body).serialized()
    }
}

extension JSONValue {
    func int(_ key: String) -> Int64 {
        switch self[key] {
        case .integer(let n)?: return n
        case .number(let d)?: return Int64(d)
        default: return 0
        }
    }

    func double(_ key: String) -> Double {
        switch self[key] {
        case .integer(let n)?: return Double(n)
        case .number(let d)?: return d
        default: return 0
        }
    }
}

/// `percent  rate  ETA` on one line of standard error, redrawn in place on a terminal
/// (every 5 s as plain lines otherwise).
final class ProgressBar: @unchecked Sendable {
    private let terminal = isatty(STDERR_FILENO) == 1
    private var samples: [(time: Date, done: Int64)] = []
    private var lastPrinted = Date.distantPast

    func draw(percent: Double, done: Int64, total: Int64, state: String) {
        let now = Date()
        samples.append((now, done))
        samples.removeAll { now.timeIntervalSince($0.time) > 10 }
        var rate = 0.0
        if let first = samples.first, now.timeIntervalSince(first.time) > 0.2 {
            rate = Double(done - first.done) / now.timeIntervalSince(first.time)
        }
        let eta = rate > 0 && total > done ? Self.duration(Double(total - done) / rate) : "--:--"
        let width = 30
        let filled = Int((percent / 100 * Double(width)).rounded(.down))
        let bar = String(repeating: "#", count: max(0, min(width, filled))) + String(repeating: "-", count: max(0, width - filled))
        let line = String(format: "[%@] %5.1f%%  %d/%d households  %.0f/s  ETA %@  %@", bar, percent, done, total, rate, eta, state)
        if terminal {
            FileHandle.standardError.write(Data("\r\u{1B}[K\(line)".utf8))
        } else if now.timeIntervalSince(lastPrinted) >= 5 || state != "running" && state != "queued" {
            FileHandle.standardError.write(Data((line + "\n").utf8))
            lastPrinted = now
        }
    }

    func finish() {
        if terminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}

/// A minimal JSON client for the server's API (URLSession; retries connection errors, same idempotency key).
struct APIClient: Sendable {
    let base: String
    let token: String

    struct Reply: Sendable {
        var status: Int
        var bytes: [UInt8]
        var json: JSONValue? { try? JSONValue(parsing: bytes) }
        var text: String { String(decoding: bytes, as: UTF8.self) }
    }

    func send(_ method: String, _ path: String, body: [UInt8]? = nil, idempotencyKey: String? = nil) async throws -> Reply {
        guard let url = URL(string: base + path) else { throw fail("--server \(base): not a URL") }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        request.timeoutInterval = 120
        if let body {
            request.httpBody = Data(body)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        if let idempotencyKey { request.setValue(idempotencyKey, forHTTPHeaderField: "Idempotency-Key") }
        var attempt = 0
        while true {
            attempt += 1
            do {
                let (data, response) = try await Self.load(request)
                return Reply(status: (response as? HTTPURLResponse)?.statusCode ?? 0, bytes: [UInt8](data))
            } catch {
                // Safe to repeat: GETs, and the POST carries its idempotency key.
                guard attempt < 4 else { throw fail("\(method) \(url.absoluteString): \(error.localizedDescription)") }
                try await Task.sleep(for: .seconds(attempt))
            }
        }
    }

    static func load(_ request: URLRequest) async throws -> (Data, URLResponse) {
        try await withCheckedThrowingContinuation { continuation in
            URLSession.shared.dataTask(with: request) { data, response, error in
                if let error { continuation.resume(throwing: error) } else if let response {
                    continuation.resume(returning: (data ?? Data(), response))
                } else {
                    continuation.resume(throwing: URLError(.badServerResponse))
                }
            }.resume()
        }
    }
}
