import GoogleWallet
import Foundation

/// Everything `passline serve` is configured with: environment variables, optionally on top of
/// a file of `KEY=value` lines named by `PASSLINE_CONFIG` (the environment wins).
public struct ServerConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// Base of `webServiceURL` and of links; defaults to `http://host:port`.
    public var publicURL: String?
    public var databaseURL = "sqlite:./data/passline.sqlite"
    public var dataDirectory = "./data"
    public var templatesDirectory = "PassTemplates"
    /// The template loyalty cards' passes use.
    public var loyaltyTemplate = "loyalty"
    public var passCertificate: String?
    public var passKey: String?
    public var passP12: String?
    /// Name of the environment variable holding the key or .p12 password.
    public var passPassword: String?
    public var wwdrCertificate: String?
    public var adminToken: String?
    /// Bytes of signed passes kept in memory.
    public var passCacheBytes = 256 * 1024 * 1024
    /// PASSLINE_REPORT_CURRENT_S: how old a report's figures of the moment may be.
    public var reportCurrentMaxAge: TimeInterval = 300
    /// Largest request body accepted.
    public var maxBodyBytes = 1024 * 1024
    /// How long a kept-alive connection may sit idle before it is closed: longer than clients
    /// wait before reusing one, so Wallet's keep-alive works.
    public var httpIdleTimeout: Duration = .seconds(75)
    /// How long a request may take to arrive whole (head and body) from its first byte; then 408 and close.
    public var httpReadTimeout: Duration = .seconds(30)
    public var logLevel = "info"
    /// Households per broadcast batch (one transaction each).
    public var broadcastBatchSize = 10_000
    /// Push settings (see ``PushSettings``).
    public var push = PushSettings()
    /// Download links, SMS and self-registration (see ``DistributionSettings``).
    public var distribution = DistributionSettings()
    public var bitrix24 = Bitrix24Settings()
    /// Nil (the default) when Google Wallet is off.
    public var google: GoogleWalletConfiguration?
    /// Limits of the devices' `POST /v1/log` (see ``DeviceLogSettings``).
    public var deviceLog = DeviceLogSettings()

    public init() {}

    /// Every key with what it sets, for the README and `--help`.
    public static let keys: [(key: String, meaning: String)] = [
        ("PASSLINE_GOOGLE_ISSUER_ID", "Google Wallet issuer id (numeric); with the service account, turns Google Wallet on"),
        ("PASSLINE_GOOGLE_SERVICE_ACCOUNT", "path to the Google service account's JSON key (Wallet Object issuer access)"),
        ("PASSLINE_GOOGLE_ORIGINS", "comma-separated sites allowed to show the Save to Google Wallet button (default: PASSLINE_PUBLIC_URL)"),
        ("PASSLINE_GOOGLE_API_URL", "Google Wallet REST base (default https://walletobjects.googleapis.com/walletobjects/v1; tests point it at the mock)"),
        ("PASSLINE_GOOGLE_TOKEN_URL", "Google's OAuth token endpoint (default https://oauth2.googleapis.com/token)"),
        ("PASSLINE_GOOGLE_CALLBACK_KEYS", "path to Google's callback signing keys (the JSON of https://pay.google.com/gp/m/issuer/keys); unset: callbacks are refused"),
        ("PASSLINE_HTTP_HOST", "address to listen on (default 127.0.0.1)"),
        ("PASSLINE_HTTP_PORT", "port to listen on (default 8080)"),
        ("PASSLINE_PUBLIC_URL", "public base URL of this server: webServiceURL and links (default http://HOST:PORT)"),
        ("PASSLINE_DATABASE_URL", "sqlite:./data/passline.sqlite (default), sqlite::memory:, or postgres://user:pass@host:5432/db"),
        ("PASSLINE_DATA_DIR", "data directory: generated secret and admin token, dev certificates (default ./data)"),
        ("PASSLINE_TEMPLATES", "templates directory (default PassTemplates)"),
        ("PASSLINE_LOYALTY_TEMPLATE", "template that loyalty cards' passes use (default loyalty)"),
        ("PASSLINE_PASS_CERT", "Pass Type ID certificate, PEM (with PASSLINE_PASS_KEY)"),
        ("PASSLINE_PASS_KEY", "its private key, PEM"),
        ("PASSLINE_PASS_P12", "certificate and key as a .p12 (instead of the two above)"),
        ("PASSLINE_PASS_PASSWORD_ENV", "name of the variable holding the key or .p12 password"),
        ("PASSLINE_WWDR_CERT", "intermediate certificate (default Certificates/AppleWWDRCAG4.cer for Apple credentials)"),
        ("PASSLINE_ADMIN_TOKEN", "bearer token for /api/v1 (default: generated once into the data directory and printed)"),
        ("PASSLINE_SECRET", "secret for pass authentication tokens, ≥32 bytes as hex (default: generated once into the data directory)"),
        ("PASSLINE_SECRET_PREVIOUS", "secrets PASSLINE_SECRET replaced, oldest first, comma-separated hex: passes issued under them keep verifying (default: DATA_DIR/secret.previous, written by `passline secret rotate`)"),
        ("PASSLINE_PASS_CACHE_MB", "memory for signed passes (default 256)"),
        ("PASSLINE_REPORT_CURRENT_S", "how old, in seconds, a report's figures of the moment (tiers, liability, penetration, active cards) may be before they are counted again (default 300; 0: every report counts them)"),
        ("PASSLINE_MAX_BODY_KB", "largest request body (default 1024)"),
        ("PASSLINE_HTTP_IDLE_TIMEOUT_S", "seconds an idle (kept-alive) connection stays open (default 75)"),
        ("PASSLINE_HTTP_READ_TIMEOUT_S", "seconds a request may take to arrive whole, head and body, from its first byte; then 408 and close (default 30)"),
        ("PASSLINE_LOG_LEVEL", "trace, debug, info, notice, warning, error (default info)"),
        ("PASSLINE_APNS_URL", "APNs endpoint (default https://api.push.apple.com with your certificates; with development certificates pushes are off unless set, e.g. to `passline dev apns-mock`); `off` disables pushing"),
        ("PASSLINE_APNS_CA_FILE", "extra CA (PEM) trusted for the APNs endpoint, e.g. the mock's"),
        ("PASSLINE_APNS_CONNECTIONS", "HTTP/2 connections to APNs per pass type (default 4)"),
        ("PASSLINE_APNS_EXPIRATION", "seconds APNs keeps trying an offline device (apns-expiration; default 86400)"),
        ("PASSLINE_APNS_KEY_FILE", "token authentication instead of the certificate: the .p8 key (with PASSLINE_APNS_KEY_ID, PASSLINE_APNS_TEAM_ID)"),
        ("PASSLINE_APNS_KEY_ID", "the .p8 key's ID"),
        ("PASSLINE_APNS_TEAM_ID", "the team ID that owns the .p8 key"),
        ("PASSLINE_PUSH_RATE", "pushes per second: `auto` (default: what this machine can sign, since every push makes a phone fetch a newly signed pass), a number, or 0 for unlimited"),
        ("PASSLINE_PUSH_LEASE", "seconds a claimed push stays hidden from other workers; a crashed server's pushes are sent again after it (default 60)"),
        ("PASSLINE_ANDROID_PUSH_URL", "webhook that receives pushes for Android wallet apps (POST JSON, HMAC-signed); unset: they are dropped and counted"),
        ("PASSLINE_ANDROID_PUSH_SECRET", "HMAC key for that webhook's X-Passline-Signature header (required with it)"),
        ("PASSLINE_BROADCAST_BATCH", "households per broadcast batch, one transaction each (default 10000)"),
        ("PASSLINE_CONFIG", "a file of KEY=value lines with any of these keys"),
    ] + DistributionSettings.keys + DeviceLogSettings.keys + Bitrix24Settings.keys

    public struct Invalid: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// Reads the configuration from `environment` (and the file it names).
    public static func load(environment: [String: String] = ProcessInfo.processInfo.environment) throws(Invalid) -> ServerConfiguration {
        var values: [String: String] = [:]
        if let file = environment["PASSLINE_CONFIG"] {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw Invalid(description: "PASSLINE_CONFIG \(file): cannot be read")
            }
            for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let line = raw.trimmingCharacters(in: .whitespaces)
                if line.isEmpty || line.hasPrefix("#") { continue }
                guard let eq = line.firstIndex(of: "=") else { throw Invalid(description: "\(file):\(n + 1): expected KEY=value") }
                let key = line[..<eq].trimmingCharacters(in: .whitespaces)
                var value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
                if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
                guard keys.contains(where: { $0.key == key }) else { throw Invalid(description: "\(file):\(n + 1): unknown key \(key)") }
                values[key] = value
            }
        }
        for (key, value) in environment where key.hasPrefix("PASSLINE_") { values[key] = value }

        var c = ServerConfiguration()
        func int(_ key: String, _ range: ClosedRange<Int>) throws(Invalid) -> Int? {
            guard let s = values[key] else { return nil }
            guard let v = Int(s), range.contains(v) else { throw Invalid(description: "\(key)=\(s): expected a whole number in \(range.lowerBound)…\(range.upperBound)") }
            return v
        }
        c.host = values["PASSLINE_HTTP_HOST"] ?? c.host
        c.port = try int("PASSLINE_HTTP_PORT", 0...65535) ?? c.port
        c.publicURL = values["PASSLINE_PUBLIC_URL"].map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        if let u = c.publicURL, !(u.hasPrefix("https://") || u.hasPrefix("http://")) {
            throw Invalid(description: "PASSLINE_PUBLIC_URL=\(u): must start with https:// (or http:// for development)")
        }
        c.databaseURL = values["PASSLINE_DATABASE_URL"] ?? c.databaseURL
        c.dataDirectory = values["PASSLINE_DATA_DIR"] ?? c.dataDirectory
        c.templatesDirectory = values["PASSLINE_TEMPLATES"] ?? c.templatesDirectory
        c.loyaltyTemplate = values["PASSLINE_LOYALTY_TEMPLATE"] ?? c.loyaltyTemplate
        c.passCertificate = values["PASSLINE_PASS_CERT"]
        c.passKey = values["PASSLINE_PASS_KEY"]
        c.passP12 = values["PASSLINE_PASS_P12"]
        c.passPassword = values["PASSLINE_PASS_PASSWORD_ENV"].flatMap { environment[$0] }
        if let name = values["PASSLINE_PASS_PASSWORD_ENV"], environment[name] == nil {
            throw Invalid(description: "PASSLINE_PASS_PASSWORD_ENV=\(name): that environment variable is not set")
        }
        c.wwdrCertificate = values["PASSLINE_WWDR_CERT"]
        c.adminToken = values["PASSLINE_ADMIN_TOKEN"]
        if let t = c.adminToken, t.count < 16 { throw Invalid(description: "PASSLINE_ADMIN_TOKEN: at least 16 characters") }
        c.secretHex = values["PASSLINE_SECRET"]
        c.previousSecretsHex = values["PASSLINE_SECRET_PREVIOUS"]
        if let cache = try int("PASSLINE_PASS_CACHE_MB", 1...65536) { c.passCacheBytes = cache * 1024 * 1024 }
        if let age = try int("PASSLINE_REPORT_CURRENT_S", 0...86_400) { c.reportCurrentMaxAge = TimeInterval(age) }
        if let body = try int("PASSLINE_MAX_BODY_KB", 1...1_048_576) { c.maxBodyBytes = body * 1024 }
        if let idle = try int("PASSLINE_HTTP_IDLE_TIMEOUT_S", 1...86_400) { c.httpIdleTimeout = .seconds(idle) }
        if let read = try int("PASSLINE_HTTP_READ_TIMEOUT_S", 1...3600) { c.httpReadTimeout = .seconds(read) }
        c.logLevel = values["PASSLINE_LOG_LEVEL"] ?? c.logLevel
        c.broadcastBatchSize = try int("PASSLINE_BROADCAST_BATCH", 100...100_000) ?? c.broadcastBatchSize
        c.push = try PushSettings(values)
        c.distribution = try DistributionSettings(values)
        c.deviceLog = try DeviceLogSettings(values)
        c.bitrix24 = try Bitrix24Settings(values)
        do {
            c.google = try GoogleWalletConfiguration.load(environment: values) { path in
                guard let data = FileManager.default.contents(atPath: path) else { throw Invalid(description: "\(path): cannot be read") }
                return Array(data)
            }
        } catch {
            throw Invalid(description: "\(error)")
        }
        return c
    }

    /// PASSLINE_SECRET as given (hex); see ``DataDirectory``.
    public var secretHex: String?
    /// PASSLINE_SECRET_PREVIOUS as given (comma-separated hex, oldest first); see ``DataDirectory``.
    public var previousSecretsHex: String?

    /// The public base URL, defaulting to this server's own address.
    public var resolvedPublicURL: String { publicURL ?? "http://\(host == "0.0.0.0" ? "127.0.0.1" : host):\(port)" }
}
