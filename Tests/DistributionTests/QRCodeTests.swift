import Core
import Foundation
import Testing
import TestSupport

@testable import Distribution

/// The QR encoder, checked against the standard's worked example and decoded by an independent
/// decoder (zbarimg, from Debian's zbar-tools).
@Suite struct QRCodeTests {
    /// ISO/IEC 18004 annex I: "01234567" at 1-M (numeric mode) has these error correction codewords.
    @Test func reedSolomonMatchesTheStandardsExample() {
        let data: [UInt8] = [0x10, 0x20, 0x0C, 0x56, 0x61, 0x80, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11]
        let ecc = ReedSolomon.remainder(data, generator: ReedSolomon.generator(degree: 10))
        #expect(ecc == [0xA5, 0x24, 0xD4, 0xC1, 0xED, 0x36, 0xC7, 0x87, 0x2C, 0x55])
    }

    @Test func capacitiesMatchTheStandardsTable() {
        // Byte-mode capacities from ISO/IEC 18004 table 7.
        #expect(QRCode.byteCapacity(version: 1, errorCorrection: .low) == 17)
        #expect(QRCode.byteCapacity(version: 1, errorCorrection: .medium) == 14)
        #expect(QRCode.byteCapacity(version: 1, errorCorrection: .quartile) == 11)
        #expect(QRCode.byteCapacity(version: 1, errorCorrection: .high) == 7)
        #expect(QRCode.byteCapacity(version: 4, errorCorrection: .medium) == 62)
        #expect(QRCode.byteCapacity(version: 10, errorCorrection: .medium) == 213)
        #expect(QRCode.byteCapacity(version: 40, errorCorrection: .low) == 2953)
        #expect(QRCode.byteCapacity(version: 40, errorCorrection: .medium) == 2331)
        #expect(QRCode.byteCapacity(version: 40, errorCorrection: .high) == 1273)
    }

    @Test func alignmentPositionsMatchTheStandardsTable() {
        #expect(QRTables.alignmentPositions(version: 1) == [])
        #expect(QRTables.alignmentPositions(version: 2) == [6, 18])
        #expect(QRTables.alignmentPositions(version: 7) == [6, 22, 38])
        #expect(QRTables.alignmentPositions(version: 32) == [6, 34, 60, 86, 112, 138])
        #expect(QRTables.alignmentPositions(version: 40) == [6, 30, 58, 86, 114, 142, 170])
    }

    @Test func picksTheSmallestVersionAndRefusesTooMuch() throws {
        #expect(try QRCode.encode(String(repeating: "a", count: 14)).version == 1)
        #expect(try QRCode.encode(String(repeating: "a", count: 15)).version == 2)
        let link = "https://passes.example.com/p/EBTIAAjWAAABrG9Ap6Z8y1dQvJf2"
        #expect(try QRCode.encode(link).version == 4)
        #expect(throws: QRCodeError.dataTooLong(bytes: 300, capacity: 213)) {
            try QRCode.encode(String(repeating: "x", count: 300), versions: 1...10)
        }
        #expect(throws: QRCodeError.invalidVersionRange) { try QRCode.encode("x", versions: 0...3) }
    }

    @Test func formatInformationIsTheStandardsBCHCode() {
        // Annex C: level M, mask 5 → 100000011001110 after masking.
        #expect(QRMatrix.formatBits(.medium, mask: 5) == 0b100000011001110)
        // Level L, mask 4 → 110011000101111.
        #expect(QRMatrix.formatBits(.low, mask: 4) == 0b110011000101111)
    }

    @Test func chosenMaskHasTheLowestPenalty() throws {
        let text = "https://passes.example.com/p/penalty-check"
        let auto = try QRCode.encode(text)
        let penalties = try (0..<8).map { mask -> Int in
            let code = try QRCode.encode(text, mask: mask)
            var matrix = QRMatrix(version: code.version)
            matrix.dark = code.modules
            return matrix.penalty()
        }
        #expect(penalties[auto.mask] == penalties.min())
    }

    /// Encodes payloads across every version and level, and every mask, and reads them back with zbarimg.
    @Test func zbarimgDecodesEveryVersionLevelAndMask() async throws {
        guard let zbarimg = Tool.path("zbarimg", package: "zbar-tools") else { return }
        let dir = try Scratch.directory("passline-distribution")
        defer { try? FileManager.default.removeItem(at: dir) }
        var rng = SplitMix64(seed: 7)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_./:?=&")
        var cases: [(file: String, text: String, what: String)] = []
        for version in 1...40 {
            for level in QRErrorCorrection.allCases {
                // Fill the version completely (the hardest case: no padding codewords).
                let length = QRCode.byteCapacity(version: version, errorCorrection: level) - Int.random(in: 0...1, using: &rng)
                let text = String((0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] })
                let code = try QRCode.encode(text, errorCorrection: level)
                #expect(code.version == version, "\(length) bytes at \(level) should need version \(version)")
                let file = dir.appendingPathComponent("v\(version)-\(level.rawValue).pbm").path
                try Data(code.pbm(scale: version > 20 ? 2 : 3)).write(to: URL(fileURLWithPath: file))
                cases.append((file, text, "version \(version) level \(level)"))
            }
        }
        for mask in 0..<8 {
            let text = "https://passes.example.com/p/mask-\(mask)-Пример"
            let file = dir.appendingPathComponent("mask\(mask).pbm").path
            try Data(try QRCode.encode(text, mask: mask).pbm()).write(to: URL(fileURLWithPath: file))
            cases.append((file, text, "mask \(mask)"))
        }
        for c in cases {
            let result = try await Tool.run(zbarimg, ["-q", "--raw", "-Sdisable", "-Sqrcode.enable", c.file])
            #expect(result.status == 0, "\(c.what): zbarimg found nothing (\(result.stderr))")
            #expect(result.stdout.trimmingCharacters(in: .newlines) == c.text, "\(c.what)")
        }
    }

    /// The SVG a page shows, rasterised by librsvg and read back by zbarimg.
    @Test func svgRasterisedByRsvgDecodes() async throws {
        guard let rsvg = Tool.path("rsvg-convert", package: "librsvg2-bin"), let zbarimg = Tool.path("zbarimg", package: "zbar-tools") else { return }
        let dir = try Scratch.directory("passline-distribution")
        defer { try? FileManager.default.removeItem(at: dir) }
        let link = "https://passes.example.com/p/EBTIAAjWAAABrG9Ap6Z8y1dQvJf2"
        let svg = try QRCode.encode(link).svg(title: "a <link> & \"more\"")
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(svg.contains("<title>a &lt;link&gt; &amp; &quot;more&quot;</title>"))
        let svgFile = dir.appendingPathComponent("qr.svg"), png = dir.appendingPathComponent("qr.png")
        try Data(svg.utf8).write(to: svgFile)
        let rendered = try await Tool.run(rsvg, ["-o", png.path, svgFile.path])
        #expect(rendered.status == 0, "rsvg-convert: \(rendered.stderr)")
        let decoded = try await Tool.run(zbarimg, ["-q", "--raw", png.path])
        #expect(decoded.stdout.trimmingCharacters(in: .newlines) == link)
    }
}
