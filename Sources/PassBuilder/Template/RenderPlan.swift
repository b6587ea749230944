/// A template tree compiled to pre-serialized bytes with holes for the variables.
///
/// Rendering then costs a few appends, not a tree walk and a JSON encode: it is on the
/// per-pass hot path next to the RSA signature. Its output is byte-for-byte
/// `TemplateRenderer.render(tree, …).serialized()` (a property test holds it to that).
struct RenderPlan: Sendable {
    enum Segment: Sendable {
        case literal([UInt8])
        /// A whole-string placeholder: the value as a JSON value of its own type.
        case value(slot: Int)
        /// A placeholder inside a string: the value's text, escaped, without quotes.
        case text(slot: Int)
    }

    struct Slot: Sendable {
        var name: String
        var path: JSONPath
    }

    private(set) var segments: [Segment] = []
    private(set) var slots: [Slot] = []
    private var pending: [UInt8] = []
    private var slotByName: [String: Int] = [:]
    let file: String

    init(tree: JSONValue, file: String) {
        self.file = file
        compile(tree, path: .root)
        flush()
    }

    /// Variable names the plan needs, in slot order.
    var variableNames: [String] { slots.map(\.name) }

    private mutating func flush() {
        if !pending.isEmpty { segments.append(.literal(pending)); pending = [] }
    }

    private mutating func slot(_ name: String, _ path: JSONPath) -> Int {
        if let i = slotByName[name] { return i }
        slots.append(Slot(name: name, path: path))
        slotByName[name] = slots.count - 1
        return slots.count - 1
    }

    private mutating func compile(_ node: JSONValue, path: JSONPath) {
        switch node {
        case .string(let s):
            switch TemplateString(s) {
            case .literal:
                JSONWriter.write(node, into: &pending)
            case .whole(let name):
                let i = slot(name, path)
                flush()
                segments.append(.value(slot: i))
            case .interpolated(let pieces):
                pending.append(UInt8(ascii: "\""))
                for piece in pieces {
                    switch piece {
                    case .text(let t): JSONWriter.writeEscaped(t, into: &pending)
                    case .variable(let name):
                        let i = slot(name, path)
                        flush()
                        segments.append(.text(slot: i))
                    }
                }
                pending.append(UInt8(ascii: "\""))
            }
        case .array(let elements):
            pending.append(UInt8(ascii: "["))
            for (i, e) in elements.enumerated() {
                if i > 0 { pending.append(UInt8(ascii: ",")) }
                compile(e, path: path.appending(i))
            }
            pending.append(UInt8(ascii: "]"))
        case .object(let members):
            pending.append(UInt8(ascii: "{"))
            for (i, key) in JSONWriter.sortedKeys(members).enumerated() {
                if i > 0 { pending.append(UInt8(ascii: ",")) }
                JSONWriter.writeString(key, into: &pending)
                pending.append(UInt8(ascii: ":"))
                compile(members[key]!, path: path.appending(key))
            }
            pending.append(UInt8(ascii: "}"))
        default:
            JSONWriter.write(node, into: &pending)
        }
    }

    /// Resolves the plan's variables from `values` (already coerced), in slot order.
    func resolve(_ values: [String: JSONValue]) throws(TemplateError) -> [JSONValue] {
        var resolved: [JSONValue] = []
        resolved.reserveCapacity(slots.count)
        for slot in slots {
            guard let v = values[slot.name] else {
                throw TemplateRenderer.missing(slot.name, file: file, path: slot.path)
            }
            resolved.append(v)
        }
        return resolved
    }

    func render(_ resolved: [JSONValue], into out: inout [UInt8]) {
        for segment in segments {
            switch segment {
            case .literal(let bytes): out.append(contentsOf: bytes)
            case .value(let i): JSONWriter.write(resolved[i], into: &out)
            case .text(let i):
                if case .string(let s) = resolved[i] {
                    JSONWriter.writeEscaped(s, into: &out)
                } else {
                    JSONWriter.writeEscaped(resolved[i].interpolationText, into: &out)
                }
            }
        }
    }
}
