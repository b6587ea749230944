// A gateway for any provider with an HTTP API: the URL, method, headers and body are templates
// with placeholders, so SMS.ru-style GET URLs, form posts and JSON APIs are all configuration.

import Core
import Foundation
import Loyalty

/// How an ``HTTPSmsGateway`` talks to its provider.
///
/// Placeholders, replaced in the URL, the headers and the body:
///
/// | Placeholder | Value |
/// |---|---|
/// | `{phone}` | the recipient's digits, no `+` (`79123456789`) |
/// | `{e164}` | the recipient in E.164 (`+79123456789`) |
/// | `{text}` | the message |
/// | `{sender}` | the sender name (empty when none) |
/// | `{secret}` | ``secret`` (an API key or password, read from the environment) |
///
/// Values are percent-encoded in the URL and in `form` bodies, JSON-escaped (without quotes) in
/// `json` bodies, and inserted as they are in headers and `text` bodies.
public struct HTTPSmsGatewayConfiguration: Sendable, Hashable {
    /// How the body template's values are escaped, and the `Content-Type` sent.
    public enum BodyEncoding: String, Sendable, Hashable, CaseIterable {
        /// `application/x-www-form-urlencoded`.
        case form
        /// `application/json`.
        case json
        /// `text/plain; charset=utf-8`, values as they are.
        case text

        var contentType: String {
            switch self {
            case .form: return "application/x-www-form-urlencoded"
            case .json: return "application/json"
            case .text: return "text/plain; charset=utf-8"
            }
        }
    }

    public struct Header: Sendable, Hashable {
        public var name: String
        public var value: String
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    public var url: String
    public var method: String
    public var headers: [Header]
    /// The request body; nil sends none (a GET gateway).
    public var bodyTemplate: String?
    public var encoding: BodyEncoding
    /// A 2xx response counts as accepted only if its body matches this regular expression.
    public var successPattern: String?
    /// A regular expression whose first capture group in the body is the provider's message id.
    public var messageIDPattern: String?
    /// Replaces `{secret}`; never logged.
    public var secret: String?
    public var sender: String?
    public var timeout: Duration

    static let placeholders: Set<String> = ["phone", "e164", "text", "sender", "secret"]

    /// - Throws: ``ConfigurationError`` naming what is wrong: a URL that is not http(s), an
    ///   unknown placeholder, a pattern that does not compile, `{secret}` without a secret.
    public init(
        url: String, method: String = "POST", headers: [Header] = [], bodyTemplate: String? = nil, encoding: BodyEncoding = .form,
        successPattern: String? = nil, messageIDPattern: String? = nil, secret: String? = nil, sender: String? = nil, timeout: Duration = .seconds(10)
    ) throws(ConfigurationError) {
        self.url = url
        self.method = method.uppercased()
        self.headers = headers
        self.bodyTemplate = bodyTemplate
        self.encoding = encoding
        self.successPattern = successPattern
        self.messageIDPattern = messageIDPattern
        self.secret = secret
        self.sender = sender
        self.timeout = timeout
        let lower = url.lowercased()
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://") else { throw ConfigurationError("url: must start with https:// or http://") }
        guard ["GET", "POST", "PUT", "PATCH"].contains(self.method) else { throw ConfigurationError("method: \(method) is not GET, POST, PUT or PATCH") }
        var texts = [("url", url)] + headers.map { ("header \($0.name)", $0.value) }
        if let bodyTemplate { texts.append(("body", bodyTemplate)) }
        for (place, text) in texts {
            for name in Self.placeholderNames(in: text) where !Self.placeholders.contains(name) {
                throw ConfigurationError("\(place): unknown placeholder {\(name)} (known: {phone} {e164} {text} {sender} {secret})")
            }
            if secret == nil, Self.placeholderNames(in: text).contains("secret") {
                throw ConfigurationError("\(place) uses {secret}, but no secret is configured")
            }
        }
        for (field, pattern) in [("success pattern", successPattern), ("message id pattern", messageIDPattern)] {
            guard let pattern else { continue }
            do { _ = try Regex(pattern) } catch { throw ConfigurationError("\(field): not a valid regular expression: \(pattern)") }
        }
    }

    /// Names inside `{…}` that look like placeholders (letters only), in order.
    static func placeholderNames(in text: String) -> [String] {
        var names: [String] = []
        var rest = text[...]
        while let open = rest.firstIndex(of: "{") {
            let after = rest[rest.index(after: open)...]
            guard let close = after.firstIndex(of: "}") else { break }
            let name = after[..<close]
            if !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) { names.append(String(name)) }
            rest = after
        }
        return names
    }

    /// A configuration that cannot work.
    public struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
        public var description: String
        public init(_ description: String) { self.description = description }
    }
}

/// An ``SmsGateway`` over HTTP, configured by ``HTTPSmsGatewayConfiguration``.
///
/// Accepted: a 2xx response (whose body matches the success pattern, if one is set). Retryable:
/// no response, 408, 429 and 5xx. Anything else is a refusal.
public struct HTTPSmsGateway: SmsGateway {
    public let configuration: HTTPSmsGatewayConfiguration
    let client: any OutboundHTTPClient

    public init(configuration: HTTPSmsGatewayConfiguration, client: any OutboundHTTPClient) {
        self.configuration = configuration
        self.client = client
    }

    public var name: String { "http " + OutboundRequest(url: configuration.url).redactedURL }

    /// The request for a message (exposed for tests and diagnostics; it holds the secret).
    public func request(for message: SmsMessage) -> OutboundRequest {
        let c = configuration
        let values: [String: String] = [
            "phone": message.to.digits, "e164": message.to.e164, "text": message.text,
            "sender": message.sender ?? c.sender ?? "", "secret": c.secret ?? "",
        ]
        var headers = c.headers.map { ($0.name, Self.fill($0.value, values, escape: { $0 })) }
        var body: [UInt8] = []
        if let template = c.bodyTemplate {
            let escape: (String) -> String
            switch c.encoding {
            case .form: escape = FormBody.escape
            case .json: escape = Self.jsonEscape
            case .text: escape = { $0 }
            }
            body = Array(Self.fill(template, values, escape: escape).utf8)
            if !headers.contains(where: { $0.0.lowercased() == "content-type" }) { headers.append(("Content-Type", c.encoding.contentType)) }
        }
        return OutboundRequest(method: c.method, url: Self.fill(c.url, values, escape: FormBody.escape), headers: headers, body: body, timeout: c.timeout)
    }

    public func send(_ message: SmsMessage) async throws -> SmsReceipt {
        let response: OutboundResponse
        do {
            response = try await client.send(request(for: message))
        } catch let error as OutboundHTTPError {
            throw error.isRetryable ? SmsGatewayError.unavailable(error.description) : SmsGatewayError.rejected(error.description)
        }
        return try Self.interpret(response, configuration: configuration)
    }

    /// What a provider's response means.
    public static func interpret(_ response: OutboundResponse, configuration c: HTTPSmsGatewayConfiguration) throws(SmsGatewayError) -> SmsReceipt {
        let text = String(decoding: response.body, as: UTF8.self)
        switch response.status {
        case 200..<300:
            if let pattern = c.successPattern, let regex = try? Regex(pattern), (try? regex.firstMatch(in: text)) == nil {
                throw .rejected("HTTP \(response.status), but the response does not match the success pattern: \(excerpt(text))")
            }
            var id: String?
            if let pattern = c.messageIDPattern, let regex = try? Regex(pattern), let match = try? regex.firstMatch(in: text),
               match.output.count > 1, let captured = match.output[1].substring {
                id = String(captured.prefix(128))
            }
            return SmsReceipt(providerMessageID: id)
        case 408, 429, 500..<600:
            throw .unavailable("HTTP \(response.status) \(excerpt(text))")
        default:
            throw .rejected("HTTP \(response.status) \(excerpt(text))")
        }
    }

    /// The start of a response body, on one line.
    static func excerpt(_ text: String) -> String {
        let line = text.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\r", with: " ")
        return line.count > 200 ? String(line.prefix(200)) + "…" : line
    }

    static func fill(_ template: String, _ values: [String: String], escape: (String) -> String) -> String {
        var out = ""
        var rest = template[...]
        while let open = rest.firstIndex(of: "{") {
            out += rest[..<open]
            let after = rest[rest.index(after: open)...]
            if let close = after.firstIndex(of: "}"), let value = values[String(after[..<close])] {
                out += escape(value)
                rest = after[after.index(after: close)...]
            } else {
                out += "{"
                rest = after
            }
        }
        return out + rest
    }

    /// The inside of a JSON string literal.
    static func jsonEscape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029 {
                    out += "\\u" + String(scalar.value, radix: 16).leftPadded(to: 4)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
