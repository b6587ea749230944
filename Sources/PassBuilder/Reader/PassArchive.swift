import CZip

/// The entries of a zip archive, read with libzip (stored or deflated), with limits so that
/// a hostile upload cannot exhaust memory.
public struct PassArchive: Sendable {
    public struct Entry: Sendable {
        public var name: String
        public var data: [UInt8]
        public var isDirectory: Bool { name.hasSuffix("/") }
    }

    public struct ReadError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public static let maxEntries = 1000
    public static let maxEntryBytes = 64 * 1024 * 1024
    public static let maxTotalBytes = 160 * 1024 * 1024

    /// Entries in archive order.
    public let entries: [Entry]

    public init(bytes: [UInt8]) throws(ReadError) {
        var zerr = zip_error_t()
        zip_error_init(&zerr)
        defer { zip_error_fini(&zerr) }
        let result: Result<[Entry], ReadError> = bytes.withUnsafeBytes { raw in
            guard let source = zip_source_buffer_create(raw.baseAddress, zip_uint64_t(raw.count), 0, &zerr) else {
                return .failure(ReadError(description: "cannot read the archive"))
            }
            guard let archive = zip_open_from_source(source, ZIP_RDONLY, &zerr) else {
                zip_source_free(source)
                return .failure(ReadError(description: "not a zip archive (\(String(cString: zip_error_strerror(&zerr))))"))
            }
            defer { zip_discard(archive) }
            let count = zip_get_num_entries(archive, 0)
            guard count <= Self.maxEntries else { return .failure(ReadError(description: "too many entries (\(count))")) }
            var entries: [Entry] = []
            var total = 0
            for i in 0..<zip_uint64_t(max(count, 0)) {
                var st = zip_stat_t()
                zip_stat_init(&st)
                guard zip_stat_index(archive, i, 0, &st) == 0, let cname = st.name else {
                    return .failure(ReadError(description: "entry \(i) cannot be read"))
                }
                let name = String(cString: cname)
                let size = Int(st.size)
                guard size <= Self.maxEntryBytes else { return .failure(ReadError(description: "\(name): \(size) bytes uncompressed is too large")) }
                total += size
                guard total <= Self.maxTotalBytes else { return .failure(ReadError(description: "archive unpacks to more than \(Self.maxTotalBytes) bytes")) }
                var data = [UInt8](repeating: 0, count: size)
                if size > 0 {
                    guard let file = zip_fopen_index(archive, i, 0) else {
                        return .failure(ReadError(description: "\(name): \(String(cString: zip_strerror(archive)))"))
                    }
                    let read = data.withUnsafeMutableBytes { zip_fread(file, $0.baseAddress, zip_uint64_t(size)) }
                    zip_fclose(file)
                    guard read == Int64(size) else { return .failure(ReadError(description: "\(name): corrupt data (CRC or length mismatch)")) }
                }
                entries.append(Entry(name: name, data: data))
            }
            return .success(entries)
        }
        entries = try result.get()
    }

    /// The data of the file named `name`, if present.
    public func file(_ name: String) -> [UInt8]? {
        entries.first { $0.name == name }?.data
    }
}
