import Foundation
import PassBuilder

/// The templates folder the studio serves: only its direct sub-folders that hold a
/// `template.json`, found by listing it, so a name in a URL can never reach another path.
struct StudioTemplates: Sendable {
    let directory: String

    /// The templates' names, sorted.
    func names() -> [String] {
        let fm = FileManager.default
        let entries = (try? fm.contentsOfDirectory(atPath: directory)) ?? []
        return entries.filter { fm.fileExists(atPath: "\(directory)/\($0)/template.json") }.sorted()
    }

    /// The folder of template `name`, when it is one of ``names()``.
    func folder(_ name: String) -> String? {
        names().contains(name) ? "\(directory)/\(name)" : nil
    }

    /// A fingerprint of everything in the folder (paths, sizes, modification times): it
    /// changes when a file is saved, added or removed.
    static func fingerprint(_ folder: String) -> String {
        let fm = FileManager.default
        var parts: [String] = []
        let root = URL(fileURLWithPath: folder)
        let keys: [URLResourceKey] = [.contentModificationDateKey, .fileSizeKey]
        for case let url as URL in fm.enumerator(at: root, includingPropertiesForKeys: keys) ?? FileManager.DirectoryEnumerator() {
            let values = try? url.resourceValues(forKeys: Set(keys))
            parts.append("\(url.path)|\(values?.fileSize ?? -1)|\(values?.contentModificationDate?.timeIntervalSince1970 ?? 0)")
        }
        return parts.sorted().joined(separator: "\n")
    }
}
