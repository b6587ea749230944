import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The address a request came from, for per-client rate limits.
enum ClientAddress {
    /// The connection's peer; behind a trusted reverse proxy (PASSLINE_FORWARDED_FOR=1) the last
    /// `X-Forwarded-For` entry, the one the proxy itself appended (earlier ones are the
    /// client's to choose).
    static func of(_ request: Request, peer: SocketAddress?, trustForwardedFor: Bool) -> String {
        if trustForwardedFor, let forwarded = request.headers[HTTPField.Name("X-Forwarded-For")!],
           let last = forwarded.split(separator: ",").last?.trimmingCharacters(in: .whitespaces), !last.isEmpty {
            return String(last.prefix(64))
        }
        return peer?.ipAddress ?? "unknown"
    }
}
