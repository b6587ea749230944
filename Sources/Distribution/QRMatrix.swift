// Laying out a QR symbol: function patterns, the zig-zag codeword placement, masking with the
// format and version information, and the penalty score that picks the mask.

struct QRMatrix {
    let version: Int
    let size: Int
    /// Row-major module colours; `true` = dark.
    var dark: [Bool]
    /// Modules that belong to function patterns (never masked, never data).
    var isFunction: [Bool]

    init(version: Int) {
        self.version = version
        size = version * 4 + 17
        dark = [Bool](repeating: false, count: size * size)
        isFunction = [Bool](repeating: false, count: size * size)
    }

    subscript(x: Int, y: Int) -> Bool {
        get { dark[y * size + x] }
        set { dark[y * size + x] = newValue }
    }

    mutating func setFunction(_ x: Int, _ y: Int, _ value: Bool) {
        dark[y * size + x] = value
        isFunction[y * size + x] = true
    }

    mutating func drawFunctionPatterns() {
        for i in 0..<size {
            setFunction(6, i, i % 2 == 0)
            setFunction(i, 6, i % 2 == 0)
        }
        drawFinder(3, 3)
        drawFinder(size - 4, 3)
        drawFinder(3, size - 4)
        let positions = QRTables.alignmentPositions(version: version)
        let n = positions.count
        for i in 0..<n {
            for j in 0..<n where !(i == 0 && j == 0) && !(i == 0 && j == n - 1) && !(i == n - 1 && j == 0) {
                drawAlignment(positions[i], positions[j])
            }
        }
        // Reserve the format areas (drawn for real once the mask is known) and draw the version.
        drawFormat(0)
        drawVersion()
    }

    /// A finder pattern centred at (x, y) with its light separator, clipped to the symbol.
    mutating func drawFinder(_ x: Int, _ y: Int) {
        for dy in -4...4 {
            for dx in -4...4 {
                let xx = x + dx, yy = y + dy
                guard (0..<size).contains(xx), (0..<size).contains(yy) else { continue }
                let distance = max(abs(dx), abs(dy))
                setFunction(xx, yy, distance != 2 && distance != 4)
            }
        }
    }

    mutating func drawAlignment(_ x: Int, _ y: Int) {
        for dy in -2...2 {
            for dx in -2...2 {
                setFunction(x + dx, y + dy, max(abs(dx), abs(dy)) != 1)
            }
        }
    }

    /// The 15-bit format information (level and mask, BCH-protected, XOR 0x5412), both copies,
    /// and the dark module.
    mutating func drawFormat(_ bits: Int) {
        func bit(_ i: Int) -> Bool { (bits >> i) & 1 == 1 }
        for i in 0...5 { setFunction(8, i, bit(i)) }
        setFunction(8, 7, bit(6))
        setFunction(8, 8, bit(7))
        setFunction(7, 8, bit(8))
        for i in 9..<15 { setFunction(14 - i, 8, bit(i)) }
        for i in 0..<8 { setFunction(size - 1 - i, 8, bit(i)) }
        for i in 8..<15 { setFunction(8, size - 15 + i, bit(i)) }
        setFunction(8, size - 8, true)
    }

    static func formatBits(_ errorCorrection: QRErrorCorrection, mask: Int) -> Int {
        let data = errorCorrection.formatBits << 3 | mask
        var rem = data
        for _ in 0..<10 { rem = (rem << 1) ^ ((rem >> 9) * 0x537) }
        return (data << 10 | rem) ^ 0x5412
    }

    /// The 18-bit version information of versions 7 and up, both copies.
    mutating func drawVersion() {
        guard version >= 7 else { return }
        var rem = version
        for _ in 0..<12 { rem = (rem << 1) ^ ((rem >> 11) * 0x1F25) }
        let bits = version << 12 | rem
        for i in 0..<18 {
            let b = (bits >> i) & 1 == 1
            let a = size - 11 + i % 3, c = i / 3
            setFunction(a, c, b)
            setFunction(c, a, b)
        }
    }

    /// Places codewords in the two-column zig-zag from the bottom right, skipping the timing
    /// column; remainder bits stay light.
    mutating func drawCodewords(_ codewords: [UInt8]) {
        var i = 0
        let total = codewords.count * 8
        var right = size - 1
        while right >= 1 {
            if right == 6 { right = 5 }
            for vert in 0..<size {
                for j in 0..<2 {
                    let x = right - j
                    let upward = (right + 1) & 2 == 0
                    let y = upward ? size - 1 - vert : vert
                    if !isFunction[y * size + x] && i < total {
                        self[x, y] = (codewords[i >> 3] >> UInt8(7 - (i & 7))) & 1 == 1
                        i += 1
                    }
                }
            }
            right -= 2
        }
    }

    static func maskHit(_ mask: Int, _ x: Int, _ y: Int) -> Bool {
        switch mask {
        case 0: return (x + y) % 2 == 0
        case 1: return y % 2 == 0
        case 2: return x % 3 == 0
        case 3: return (x + y) % 3 == 0
        case 4: return (x / 3 + y / 2) % 2 == 0
        case 5: return x * y % 2 + x * y % 3 == 0
        case 6: return (x * y % 2 + x * y % 3) % 2 == 0
        default: return ((x + y) % 2 + x * y % 3) % 2 == 0
        }
    }

    /// A copy with the mask applied to the data modules and the matching format information.
    func masked(_ mask: Int, _ errorCorrection: QRErrorCorrection) -> QRMatrix {
        var copy = self
        for y in 0..<size {
            for x in 0..<size where !isFunction[y * size + x] && Self.maskHit(mask, x, y) {
                copy[x, y].toggle()
            }
        }
        copy.drawFormat(Self.formatBits(errorCorrection, mask: mask))
        return copy
    }

    /// The standard's four penalty rules (weights 3, 3, 40, 10); lower is better.
    func penalty() -> Int {
        var score = 0
        // Rule 1: runs of five or more of one colour, in rows and columns: 3 + (length − 5).
        for vertical in [false, true] {
            for a in 0..<size {
                var run = 0
                var previous = false
                for b in 0..<size {
                    let c = vertical ? self[a, b] : self[b, a]
                    if b > 0 && c == previous {
                        run += 1
                    } else {
                        if run >= 5 { score += 3 + run - 5 }
                        run = 1
                        previous = c
                    }
                }
                if run >= 5 { score += 3 + run - 5 }
            }
        }
        // Rule 2: each 2×2 block of one colour: 3.
        for y in 0..<(size - 1) {
            for x in 0..<(size - 1) {
                let c = self[x, y]
                if c == self[x + 1, y] && c == self[x, y + 1] && c == self[x + 1, y + 1] { score += 3 }
            }
        }
        // Rule 3: 1:1:3:1:1 finder-like patterns with four light modules on either side: 40.
        func lightRange(_ vertical: Bool, _ line: Int, _ from: Int, _ to: Int) -> Bool {
            for i in max(from, 0)..<min(to, size) where (vertical ? self[line, i] : self[i, line]) { return false }
            return true
        }
        for vertical in [false, true] {
            for line in 0..<size {
                for i in 0..<size {
                    func at(_ k: Int) -> Bool {
                        guard k < size else { return false }
                        return vertical ? self[line, k] : self[k, line]
                    }
                    if i + 6 < size, at(i), !at(i + 1), at(i + 2), at(i + 3), at(i + 4), !at(i + 5), at(i + 6),
                       lightRange(vertical, line, i - 4, i) || lightRange(vertical, line, i + 7, i + 11) {
                        score += 40
                    }
                }
            }
        }
        // Rule 4: 10 per whole 5 % that the dark share departs from 50 %.
        let darkCount = dark.count { $0 }
        score += abs(darkCount * 2 - dark.count) * 10 / dark.count * 10
        return score
    }
}
