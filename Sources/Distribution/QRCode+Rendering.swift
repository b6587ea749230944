// Output forms of a QR symbol: SVG for pages, and a plain PBM bitmap for tools.

import Core

extension QRCode {
    /// An SVG drawing, `viewBox` in modules with a quiet zone around the symbol, dark modules as
    /// one path on a light background; scales to any size without blurring.
    /// - Parameters:
    ///   - quietZone: light modules on every side (the standard asks for 4).
    ///   - pixelsPerModule: the width and height attributes (the drawing still scales with CSS).
    ///   - title: an accessible name (escaped).
    public func svg(quietZone: Int = 4, pixelsPerModule: Int = 8, dark: String = "#000", light: String = "#fff", title: String? = nil) -> String {
        let side = size + 2 * quietZone
        var path = ""
        path.reserveCapacity(size * size * 4)
        for y in 0..<size {
            var x = 0
            while x < size {
                guard self[x, y] else { x += 1; continue }
                // One rectangle per horizontal run of dark modules keeps the path short.
                var end = x
                while end < size && self[end, y] { end += 1 }
                path += "M\(x + quietZone) \(y + quietZone)h\(end - x)v1h-\(end - x)z"
                x = end
            }
        }
        let label = title.map { "<title>\(Self.escape($0))</title>" } ?? ""
        return """
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(side) \(side)" width="\(side * pixelsPerModule)" height="\(side * pixelsPerModule)" \
            shape-rendering="crispEdges" role="img">\(label)<rect width="\(side)" height="\(side)" fill="\(Self.escape(light))"/>\
            <path d="\(path)" fill="\(Self.escape(dark))"/></svg>
            """
    }

    /// A binary PBM (P4) image, `scale` pixels per module, with a quiet zone.
    public func pbm(scale: Int = 4, quietZone: Int = 4) -> [UInt8] {
        let side = (size + 2 * quietZone) * scale
        var out = Array("P4\n\(side) \(side)\n".utf8)
        let rowBytes = (side + 7) / 8
        for py in 0..<side {
            var row = [UInt8](repeating: 0, count: rowBytes)
            let y = py / scale - quietZone
            for px in 0..<side where self[px / scale - quietZone, y] {
                row[px / 8] |= 0x80 >> UInt8(px % 8)
            }
            out += row
        }
        return out
    }

    static func escape(_ text: String) -> String { HTMLText.escape(text) }
}
