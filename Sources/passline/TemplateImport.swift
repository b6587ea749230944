import ArgumentParser
import Foundation
import PassBuilder

/// `passline template import SOURCE --out DIR`: a Passline template from an Apple Pass Designer
/// `.pkpasstemplate` (a folder, or zipped) or any `.pkpass`.
struct TemplateImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Make a template folder from a .pkpasstemplate (Apple's Pass Designer) or a .pkpass.",
        discussion: """
            Field values, the serial number and the barcode's message become typed variables with the original values as \
            samples; passTypeIdentifier, teamIdentifier, webServiceURL and authenticationToken are left out (the \
            credentials and the server supply them); images are kept at every scale, .lproj folders with them. The result \
            is linted. See docs/templates.md.
            """)

    @Argument(help: "A .pkpasstemplate folder, a zipped one, or a .pkpass.")
    var source: String

    @Option(help: "The template folder to write (must not exist, or be empty).")
    var out: String

    @Option(help: "The template's name (default: the source's file name).")
    var name: String?

    /// Larger sources are refused before they are read (a pass is a few hundred KB).
    static let maxBytes = 64 * 1024 * 1024

    func run() async throws {
        let bundle = try read(source)
        let templateName = name ?? URL(fileURLWithPath: source).deletingPathExtension().lastPathComponent
        let result: TemplateImport.Result
        do { result = try TemplateImport.make(name: templateName, bundle: bundle) } catch { throw fail("\(source): \(error)") }
        let fm = FileManager.default
        if let existing = try? fm.contentsOfDirectory(atPath: out), !existing.isEmpty {
            throw fail("\(out) exists and is not empty: choose a new folder")
        }
        for (path, data) in result.files.sorted(by: { $0.key < $1.key }) {
            guard !path.hasPrefix("/"), !path.split(separator: "/").contains("..") else { throw fail("\(source): a file named \(path) leaves the template folder") }
            let url = URL(fileURLWithPath: out).appendingPathComponent(path)
            try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(data).write(to: url)
        }
        for note in result.notes { say("note: \(note)") }
        let diagnostics = TemplateLinter.lint(directory: out)
        for d in diagnostics { say(d.description) }
        let errors = diagnostics.filter { $0.severity == .error }.count
        say("\(out): template \(templateName) with \(result.files.count) files; lint: \(errors) error(s), \(diagnostics.count - errors) warning(s)")
        if errors > 0 { throw ExitCode.failure }
    }

    /// The bundle's files by path: a folder's, or a zip's.
    func read(_ path: String) throws -> [String: [UInt8]] {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else { throw fail("\(path): no such file or folder") }
        if isDirectory.boolValue {
            var files: [String: [UInt8]] = [:]
            var total = 0
            let root = URL(fileURLWithPath: path).standardizedFileURL
            for case let url as URL in fm.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) ?? FileManager.DirectoryEnumerator() {
                guard (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true else { continue }
                let data = try [UInt8](Data(contentsOf: url))
                total += data.count
                guard total <= Self.maxBytes else { throw fail("\(path): larger than \(Self.maxBytes >> 20) MB; not a pass template") }
                files[String(url.standardizedFileURL.path.dropFirst(root.path.count + 1))] = data
            }
            return files
        }
        let size = (try? fm.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        guard size <= Self.maxBytes else { throw fail("\(path): \(size >> 20) MB is larger than \(Self.maxBytes >> 20) MB; not a pass") }
        guard let data = fm.contents(atPath: path) else { throw fail("\(path): cannot be read") }
        let archive: PassArchive
        do { archive = try PassArchive(bytes: [UInt8](data)) } catch { throw fail("\(path): not a zip (a .pkpass, or a zipped .pkpasstemplate): \(error)") }
        var files: [String: [UInt8]] = [:]
        // A zipped .pkpasstemplate holds its folder: strip it.
        let prefix = archive.entries.first { $0.name.hasSuffix(".pkpasstemplate/pass.json") }.map { String($0.name.dropLast("pass.json".count)) } ?? ""
        for entry in archive.entries where !entry.isDirectory && entry.name.hasPrefix(prefix) {
            files[String(entry.name.dropFirst(prefix.count))] = entry.data
        }
        return files
    }
}
