// A QR Code encoder (ISO/IEC 18004): byte mode, any error correction level, versions 1–40,
// the mask chosen by the standard's penalty rules. Written here because no QR package is
// available; tests decode its output with an independent decoder (zbarimg).

/// How much of a symbol may be damaged and still decode.
public enum QRErrorCorrection: Int, Sendable, Hashable, CaseIterable {
    /// About 7 % of codewords recoverable.
    case low = 0
    /// About 15 %: the usual choice for links on screens and paper.
    case medium = 1
    /// About 25 %.
    case quartile = 2
    /// About 30 %.
    case high = 3

    /// The two format-information bits (L 01, M 00, Q 11, H 10).
    var formatBits: Int {
        switch self {
        case .low: return 1
        case .medium: return 0
        case .quartile: return 3
        case .high: return 2
        }
    }
}

/// Why text cannot be encoded.
public enum QRCodeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// More bytes than the largest allowed version holds at this error correction level.
    case dataTooLong(bytes: Int, capacity: Int)
    /// A version range outside 1…40 or empty.
    case invalidVersionRange

    public var description: String {
        switch self {
        case .dataTooLong(let bytes, let capacity): return "\(bytes) bytes do not fit in a QR code of the allowed versions (at most \(capacity))"
        case .invalidVersionRange: return "QR versions must be within 1…40"
        }
    }
}

/// A QR Code symbol: a square of dark and light modules.
public struct QRCode: Sendable, Hashable {
    /// 1…40; the side is `4 × version + 17` modules.
    public let version: Int
    public let errorCorrection: QRErrorCorrection
    /// The data mask applied, 0…7.
    public let mask: Int
    /// Modules per side.
    public var size: Int { version * 4 + 17 }
    /// Row-major, `true` = dark.
    let modules: [Bool]

    /// Whether the module at column `x`, row `y` is dark (false outside the symbol).
    public subscript(x: Int, y: Int) -> Bool {
        guard (0..<size).contains(x), (0..<size).contains(y) else { return false }
        return modules[y * size + x]
    }

    /// Encodes `text` as UTF-8 in byte mode.
    public static func encode(
        _ text: String, errorCorrection: QRErrorCorrection = .medium, versions: ClosedRange<Int> = 1...40, mask: Int? = nil
    ) throws(QRCodeError) -> QRCode {
        try encode(bytes: Array(text.utf8), errorCorrection: errorCorrection, versions: versions, mask: mask)
    }

    /// Encodes bytes in byte mode, in the smallest version of `versions` that holds them.
    /// - Parameter mask: a fixed mask 0…7; nil chooses the one with the lowest penalty.
    public static func encode(
        bytes: [UInt8], errorCorrection: QRErrorCorrection = .medium, versions: ClosedRange<Int> = 1...40, mask: Int? = nil
    ) throws(QRCodeError) -> QRCode {
        guard versions.lowerBound >= 1, versions.upperBound <= 40 else { throw .invalidVersionRange }
        precondition(mask.map { (0...7).contains($0) } ?? true, "a QR mask is 0…7")
        guard let version = versions.first(where: { bytes.count <= byteCapacity(version: $0, errorCorrection: errorCorrection) }) else {
            throw .dataTooLong(bytes: bytes.count, capacity: byteCapacity(version: versions.upperBound, errorCorrection: errorCorrection))
        }
        let data = dataCodewords(bytes, version: version, errorCorrection: errorCorrection)
        let codewords = interleaved(data, version: version, errorCorrection: errorCorrection)
        var matrix = QRMatrix(version: version)
        matrix.drawFunctionPatterns()
        matrix.drawCodewords(codewords)
        let chosen = mask ?? (0..<8).min { a, b in
            matrix.masked(a, errorCorrection).penalty() < matrix.masked(b, errorCorrection).penalty()
        }!
        let final = matrix.masked(chosen, errorCorrection)
        return QRCode(version: version, errorCorrection: errorCorrection, mask: chosen, modules: final.dark)
    }

    /// The most bytes a version holds in byte mode at a level.
    public static func byteCapacity(version: Int, errorCorrection: QRErrorCorrection) -> Int {
        let countBits = version <= 9 ? 8 : 16
        return (QRTables.dataCodewords(version: version, errorCorrection: errorCorrection) * 8 - 4 - countBits) / 8
    }

    /// Mode, count, bytes, terminator and padding: exactly the version's data codewords.
    static func dataCodewords(_ bytes: [UInt8], version: Int, errorCorrection: QRErrorCorrection) -> [UInt8] {
        var bits = BitBuffer()
        bits.append(0b0100, count: 4)  // byte mode
        bits.append(bytes.count, count: version <= 9 ? 8 : 16)
        for b in bytes { bits.append(Int(b), count: 8) }
        let capacity = QRTables.dataCodewords(version: version, errorCorrection: errorCorrection) * 8
        bits.append(0, count: min(4, capacity - bits.count))
        bits.append(0, count: (8 - bits.count % 8) % 8)
        var pad = 0xEC
        while bits.count < capacity {
            bits.append(pad, count: 8)
            pad ^= 0xEC ^ 0x11
        }
        return bits.bytes
    }

    /// Splits data into blocks, adds each block's Reed–Solomon codewords and interleaves them.
    static func interleaved(_ data: [UInt8], version: Int, errorCorrection: QRErrorCorrection) -> [UInt8] {
        let blockCount = QRTables.blocks(version: version, errorCorrection: errorCorrection)
        let eccLength = QRTables.eccPerBlock(version: version, errorCorrection: errorCorrection)
        let raw = QRTables.rawDataModules(version: version) / 8
        let shortBlocks = blockCount - raw % blockCount
        let shortLength = raw / blockCount
        let generator = ReedSolomon.generator(degree: eccLength)
        var blocks: [[UInt8]] = []
        var k = 0
        for i in 0..<blockCount {
            let dataLength = shortLength - eccLength + (i < shortBlocks ? 0 : 1)
            let block = Array(data[k..<k + dataLength])
            k += dataLength
            blocks.append(block)
        }
        let ecc = blocks.map { ReedSolomon.remainder($0, generator: generator) }
        var out: [UInt8] = []
        out.reserveCapacity(raw)
        let longestData = shortLength - eccLength + 1
        for i in 0..<longestData {
            for block in blocks where i < block.count { out.append(block[i]) }
        }
        for i in 0..<eccLength {
            for e in ecc { out.append(e[i]) }
        }
        return out
    }
}

/// Bits appended most significant first.
struct BitBuffer {
    private(set) var bytes: [UInt8] = []
    private(set) var count = 0

    mutating func append(_ value: Int, count n: Int) {
        for i in stride(from: n - 1, through: 0, by: -1) {
            if count % 8 == 0 { bytes.append(0) }
            if (value >> i) & 1 == 1 { bytes[count / 8] |= 0x80 >> UInt8(count % 8) }
            count += 1
        }
    }
}
