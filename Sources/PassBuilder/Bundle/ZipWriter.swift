import CPassCrypto

/// A minimal, deterministic ZIP writer: stored (uncompressed) entries at the archive root,
/// a fixed timestamp, no extra fields. PNGs don't shrink under deflate and pass.json is small,
/// so storing costs little space and makes the per-pass work a handful of memcpy calls.
package struct ZipWriter {
    /// An entry whose CRC and header bytes are computed once.
    struct Entry: Sendable {
        let name: [UInt8]
        let data: [UInt8]
        let crc: UInt32

        init(name: String, data: [UInt8]) {
            self.name = Array(name.utf8)
            self.data = data
            self.crc = data.withUnsafeBufferPointer { pc_crc32(0, $0.baseAddress, $0.count) }
        }
    }

    /// 1980-01-01 00:00, the DOS epoch: a constant, so the same inputs give the same bytes.
    static let dosTime: UInt16 = 0
    static let dosDate: UInt16 = (1 << 5) | 1

    private(set) var bytes: [UInt8] = []
    private var central: [UInt8] = []
    private var count = 0

    package init(capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    /// Reserves room for `entries` more entries holding `bytes` bytes, so that appending
    /// them and finishing copies the (possibly shared) prefix once and never regrows.
    mutating func reserve(entries: Int, bytes extra: Int) {
        bytes.reserveCapacity(bytes.count + central.count + extra + entries * 160 + 22)
        central.reserveCapacity(central.count + entries * 80)
    }

    mutating func add(_ entry: Entry) {
        add(name: entry.name, data: entry.data, crc: entry.crc)
    }

    mutating func add(name: [UInt8], data: [UInt8], crc: UInt32) {
        let offset = UInt32(bytes.count)
        bytes.le32(0x0403_4B50)
        bytes.le16(10)  // version needed: 1.0, stored
        bytes.le16(1 << 11)  // UTF-8 names
        bytes.le16(0)  // stored
        bytes.le16(Self.dosTime)
        bytes.le16(Self.dosDate)
        bytes.le32(crc)
        bytes.le32(UInt32(data.count))
        bytes.le32(UInt32(data.count))
        bytes.le16(UInt16(name.count))
        bytes.le16(0)
        bytes.append(contentsOf: name)
        bytes.append(contentsOf: data)

        central.le32(0x0201_4B50)
        central.le16(0x031E)  // made by: Unix, 3.0
        central.le16(10)
        central.le16(1 << 11)
        central.le16(0)
        central.le16(Self.dosTime)
        central.le16(Self.dosDate)
        central.le32(crc)
        central.le32(UInt32(data.count))
        central.le32(UInt32(data.count))
        central.le16(UInt16(name.count))
        central.le16(0)  // extra
        central.le16(0)  // comment
        central.le16(0)  // disk
        central.le16(0)  // internal attributes
        central.le32(0o100644 << 16)  // external: regular file, rw-r--r--
        central.le32(offset)
        central.append(contentsOf: name)
        count += 1
    }

    package mutating func add(name: String, data: [UInt8]) {
        let crc = data.withUnsafeBufferPointer { pc_crc32(0, $0.baseAddress, $0.count) }
        add(name: Array(name.utf8), data: data, crc: crc)
    }

    /// The finished archive.
    package consuming func finish() -> [UInt8] {
        let centralOffset = UInt32(bytes.count)
        bytes.append(contentsOf: central)
        bytes.le32(0x0605_4B50)
        bytes.le16(0)
        bytes.le16(0)
        bytes.le16(UInt16(count))
        bytes.le16(UInt16(count))
        bytes.le32(UInt32(central.count))
        bytes.le32(centralOffset)
        bytes.le16(0)
        return bytes
    }
}

extension Array where Element == UInt8 {
    @inline(__always) mutating func le16(_ v: UInt16) {
        append(UInt8(truncatingIfNeeded: v))
        append(UInt8(truncatingIfNeeded: v >> 8))
    }

    @inline(__always) mutating func le32(_ v: UInt32) {
        append(UInt8(truncatingIfNeeded: v))
        append(UInt8(truncatingIfNeeded: v >> 8))
        append(UInt8(truncatingIfNeeded: v >> 16))
        append(UInt8(truncatingIfNeeded: v >> 24))
    }
}
