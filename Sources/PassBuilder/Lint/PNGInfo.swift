/// Width and height from a PNG's IHDR chunk; no decoding needed to check sizes.
public struct PNGInfo: Sendable, Equatable {
    public var width: Int
    public var height: Int

    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    public init?(_ bytes: [UInt8]) {
        guard bytes.count >= 24, bytes.starts(with: Self.signature), bytes[12...15].elementsEqual("IHDR".utf8) else { return nil }
        func be32(_ i: Int) -> Int { Int(bytes[i]) << 24 | Int(bytes[i + 1]) << 16 | Int(bytes[i + 2]) << 8 | Int(bytes[i + 3]) }
        width = be32(16)
        height = be32(20)
    }

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }
}
