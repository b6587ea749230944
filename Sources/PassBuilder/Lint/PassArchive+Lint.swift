extension PassArchive {
    /// Lints a built or received pass as Wallet would take it: its pass.json and its files (the
    /// signature and manifest are the verifier's, ``PassVerifier``). Errors are what Wallet
    /// refuses; warnings what it draws otherwise than meant.
    public func lint() -> [Diagnostic] {
        var files: [String: [UInt8]] = [:]
        var passJSON: [UInt8]?
        for entry in entries where !entry.isDirectory {
            switch entry.name {
            case "pass.json": passJSON = entry.data
            case "manifest.json", "signature": continue
            default: files[entry.name] = entry.data
            }
        }
        guard let passJSON else { return [Diagnostic(.error, .requiredKey, file: "pass.json", "the archive has no pass.json")] }
        let pass: JSONValue
        do {
            // Wallet reads pass.json leniently (Apple's own samples carry trailing commas).
            pass = try JSONValue(parsingLeniently: passJSON)
        } catch {
            return [Diagnostic(.error, .jsonSyntax, file: "pass.json", "pass.json is not JSON: \(error)")]
        }
        var linter = PassLinter(pass: pass, passFile: "pass.json", files: files, fileLabel: { $0 }, isTemplate: false)
        return linter.run()
    }
}
