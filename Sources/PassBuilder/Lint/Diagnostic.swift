/// A lint finding: which rule, how bad, and where (file and JSON path).
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable, Comparable {
        case warning, error
        public static func < (a: Severity, b: Severity) -> Bool { a == .warning && b == .error }
    }

    public var severity: Severity
    public var rule: LintRule
    public var file: String
    public var path: JSONPath?
    public var message: String

    public init(_ severity: Severity, _ rule: LintRule, file: String, path: JSONPath? = nil, _ message: String) {
        self.severity = severity
        self.rule = rule
        self.file = file
        self.path = path
        self.message = message
    }

    public var description: String {
        "\(file)\(path.map { ": \($0)" } ?? ""): \(severity.rawValue)[\(rule.rawValue)]: \(message)"
    }
}

/// The rules `passline template lint` applies: those Wallet enforces on install, and the template format's own.
public enum LintRule: String, Sendable, Hashable, CaseIterable {
    case jsonSyntax = "json-syntax"
    case jsonBOM = "json-bom"
    case requiredKey = "required-key"
    case injectedKey = "injected-key"
    case style = "style"
    case bundleLayout = "bundle-layout"
    case junkFile = "junk-file"
    case styleImages = "style-images"
    case fieldCount = "field-count"
    case fieldKeyUnique = "field-key-unique"
    case fieldValue = "field-value"
    case textAlignment = "text-alignment"
    case numberFormat = "number-format"
    case changeMessage = "change-message"
    case groupingIdentifier = "grouping-identifier"
    case relevantDate = "relevant-date"
    case locations = "locations"
    case beacons = "beacons"
    case color = "color"
    case date = "date"
    case nfc = "nfc"
    case imageMissing = "image-missing"
    case imageFormat = "image-format"
    case imageSize = "image-size"
    case webService = "web-service"
    case barcode = "barcode"
    case featuredActions = "featured-actions"
    case strings = "strings"
    case variable = "variable"
    case variant = "variant"
}
