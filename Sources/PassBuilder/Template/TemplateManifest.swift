/// A template's `template.json`: its variables, their types and sample values, and its variants.
public struct TemplateManifest: Codable, Sendable, Hashable {
    public var name: String?
    public var description: String?
    public var style: PassStyle?
    public var defaultVariant: String?
    public var variables: [String: TemplateVariable]
    public var variants: [String: Variant]?

    /// A variant (a loyalty tier, say): a JSON merge patch (RFC 7386) over pass.json, and the
    /// files in `variants/<name>/`, which replace the root files of the same name.
    public struct Variant: Codable, Sendable, Hashable {
        public var pass: JSONValue?
        public var description: String?
    }

    /// The variables' sample values, which render a complete pass.
    public var sampleValues: [String: JSONValue] { variables.mapValues(\.sample) }
}
