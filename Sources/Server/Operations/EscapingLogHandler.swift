import Logging

/// A log handler in front of another that escapes control and bidirectional characters (see
/// ``LogEscaping``) in everything it passes on: the message, the source, every metadata key and
/// value (nested ones too, and those set on the logger or given by its metadata provider), and an
/// attached error's description. Installed once where the process bootstraps logging, so no call
/// site has to remember it.
public struct EscapingLogHandler: LogHandler {
    private var inner: any LogHandler

    public init(wrapping inner: any LogHandler) {
        self.inner = inner
        // A provider the wrapped handler already had goes through the escaping too.
        if let provider = inner.metadataProvider { self.inner.metadataProvider = Self.escaping(provider) }
        if !inner.metadata.isEmpty { self.inner.metadata = Self.escape(inner.metadata) }
    }

    public var logLevel: Logger.Level {
        get { inner.logLevel }
        set { inner.logLevel = newValue }
    }

    // Stored metadata is escaped as it is set: the wrapped handler merges it in itself.
    public var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = Self.escape(newValue) }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: LogEscaping.escape(key)] = newValue.map(Self.escape) }
    }

    public var metadataProvider: Logger.MetadataProvider? {
        get { inner.metadataProvider }
        set { inner.metadataProvider = newValue.map(Self.escaping) }
    }

    public func log(event: LogEvent) {
        var escaped = event
        escaped.message = Logger.Message(stringLiteral: LogEscaping.escape(event.message.description))
        escaped.source = LogEscaping.escape(event.source)
        var metadata = event.metadata.map(Self.escape)
        // An error's description is client text as often as not: passed on as escaped metadata,
        // under the keys swift-log's own StreamLogHandler uses for it.
        if let error = event.error {
            metadata = metadata ?? [:]
            metadata?["error.message"] = .string(LogEscaping.escape("\(error)"))
            metadata?["error.type"] = .string(LogEscaping.escape(String(reflecting: type(of: error))))
            escaped.error = nil
        }
        escaped.metadata = metadata
        inner.log(event: escaped)
    }

    static func escape(_ metadata: Logger.Metadata) -> Logger.Metadata {
        var out = Logger.Metadata(minimumCapacity: metadata.count)
        for (key, value) in metadata { out[LogEscaping.escape(key)] = escape(value) }
        return out
    }

    static func escape(_ value: Logger.Metadata.Value) -> Logger.Metadata.Value {
        switch value {
        case .string(let text):
            return .string(LogEscaping.escape(text))
        case .stringConvertible(let convertible):
            let text = convertible.description
            let clean = LogEscaping.escape(text)
            guard clean != text else { return value }
            // Keep the value's attributes (a handler may redact by them).
            var replaced = Logger.Metadata.Value.string(clean)
            replaced.attributes = value.attributes
            return replaced
        case .dictionary(let nested):
            return .dictionary(escape(nested))
        case .array(let values):
            return .array(values.map(escape))
        }
    }

    static func escaping(_ provider: Logger.MetadataProvider) -> Logger.MetadataProvider {
        Logger.MetadataProvider { escape(provider.get()) }
    }
}
