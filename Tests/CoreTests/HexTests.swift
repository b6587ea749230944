import Core
import Testing

@Suite struct HexTests {
    /// RFC 4648 §10's base16 vectors.
    @Test func rfc4648Vectors() {
        let vectors = ["": "", "f": "66", "fo": "666f", "foo": "666f6f", "foobar": "666f6f626172"]
        for (plain, encoded) in vectors {
            #expect(Hex.encode(plain.utf8) == encoded)
            #expect(Hex.encode(plain.utf8, uppercase: true) == encoded.uppercased())
            #expect(Hex.decode(encoded) == Array(plain.utf8))
            #expect(Hex.decode(encoded.uppercased()) == Array(plain.utf8))
        }
        #expect(Hex.encodeBytes([0x00, 0x0F, 0xF0, 0xFF]) == Array("000ff0ff".utf8))
    }

    @Test func decodeRefusesMalformedText() {
        #expect(Hex.decode("abc") == nil)  // odd length
        #expect(Hex.decode("zz") == nil)
        #expect(Hex.decode("0x00") == nil)
        #expect(Hex.decode("ａａ") == nil)  // fullwidth letters are not hex digits
    }

    @Test func digitValues() {
        for (i, c) in "0123456789abcdef".utf8.enumerated() {
            #expect(Hex.value(of: c) == UInt8(i))
        }
        #expect(Hex.value(of: UInt8(ascii: "F")) == 15)
        #expect(Hex.value(of: UInt8(ascii: "g")) == nil)
        #expect(Hex.value(of: UInt8(ascii: "%")) == nil)
    }

    @Test func everyByteRoundTrips() {
        let all = (0...255).map { UInt8($0) }
        #expect(Hex.encode(all).count == 512)
        #expect(Hex.decode(Hex.encode(all)) == all)
    }
}
