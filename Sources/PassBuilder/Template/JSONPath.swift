/// A location inside a JSON document, printed as `$.storeCard.headerFields[0].value`.
public struct JSONPath: Sendable, Hashable, CustomStringConvertible {
    public enum Component: Sendable, Hashable {
        case key(String)
        case index(Int)
    }

    public var components: [Component]

    public init(_ components: [Component] = []) { self.components = components }

    public static let root = JSONPath()

    public func appending(_ key: String) -> JSONPath { JSONPath(components + [.key(key)]) }
    public func appending(_ index: Int) -> JSONPath { JSONPath(components + [.index(index)]) }

    public var description: String {
        var s = "$"
        for c in components {
            switch c {
            case .key(let k) where k.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) && !k.isEmpty: s += ".\(k)"
            case .key(let k): s += "[\"\(k)\"]"
            case .index(let i): s += "[\(i)]"
            }
        }
        return s
    }
}

/// An error in a template, naming the file and the JSON path it concerns.
public struct TemplateError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var path: JSONPath?
    public var message: String

    public init(file: String, path: JSONPath? = nil, message: String) {
        self.file = file
        self.path = path
        self.message = message
    }

    public var description: String {
        if let path { return "\(file): \(path): \(message)" }
        return "\(file): \(message)"
    }
}
