/// A `.pkpasses` archive: several passes delivered at once (a household's cards).
public enum PassBundle {
    public static let contentType = "application/vnd.apple.pkpasses"
    /// Wallet's limits for one bundle.
    public static let maxPasses = 10
    public static let maxBytes = 150 * 1024 * 1024

    public struct TooLarge: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Zips the passes as `<name>.pkpass` entries (stored, deterministic).
    public static func pack(_ passes: [(name: String, pkpass: [UInt8])]) throws(TooLarge) -> [UInt8] {
        guard !passes.isEmpty else { throw TooLarge(description: "a .pkpasses bundle needs at least one pass") }
        guard passes.count <= maxPasses else { throw TooLarge(description: "a .pkpasses bundle holds at most \(maxPasses) passes (got \(passes.count))") }
        let total = passes.reduce(0) { $0 + $1.pkpass.count }
        guard total <= maxBytes else { throw TooLarge(description: "a .pkpasses bundle is at most 150 MB (got \(total) bytes)") }
        var zip = ZipWriter(capacity: total + passes.count * 128)
        var used = Set<String>()
        for (i, pass) in passes.enumerated() {
            var name = pass.name.filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }
            if name.isEmpty || used.contains(name) {
                var n = i + 1
                while used.contains("pass-\(n)") { n += 1 }
                name = "pass-\(n)"
            }
            used.insert(name)
            zip.add(name: "\(name).pkpass", data: pass.pkpass)
        }
        return zip.finish()
    }
}
