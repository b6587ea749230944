import Foundation

/// What a device fleet needs to act as the devices `passline dev seed` registered: their
/// identifiers follow a pattern (device d has library id `seed-` + 12 digits and push token d in
/// 64 hex digits, and holds card `(d − 1) mod cards + 1`, serial `SEED` + 12 digits), and the
/// authentication token each card's pass carries, which a real device reads from its pass.json.
///
/// On disk (`dev-fleet.txt` in the data directory, private): one JSON line with the pass type
/// and the counts, then one line per card with its pass's authentication token, in card order.
public struct FleetManifest: Sendable {
    public var passTypeIdentifier: String
    public var cards: Int
    public var devices: Int
    /// Authentication tokens, card k's at index k − 1.
    public var tokens: [String]

    public init(passTypeIdentifier: String, cards: Int, devices: Int, tokens: [String]) {
        self.passTypeIdentifier = passTypeIdentifier
        self.cards = cards
        self.devices = devices
        self.tokens = tokens
    }

    /// The file name in the data directory.
    public static let fileName = "dev-fleet.txt"

    public static func deviceLibraryIdentifier(_ device: Int) -> String { "seed-" + zeroPadded(device, 12) }
    public static func serialNumber(card: Int) -> String { "SEED" + zeroPadded(card, 12) }
    public static func pushToken(_ device: Int) -> String { zeroPadded(device, 64, radix: 16) }

    /// The device whose push token this is; nil for a token no seeded device has.
    public func device(pushToken: String) -> Int? {
        guard pushToken.utf8.count == 64, let d = Int(pushToken.drop { $0 == "0" }, radix: 16), (1...devices).contains(d) else { return nil }
        return d
    }

    /// The card device `d` holds.
    public func card(ofDevice d: Int) -> Int { (d - 1) % cards + 1 }

    /// The card of a seeded serial number; nil for another.
    public func card(serialNumber: String) -> Int? {
        guard serialNumber.hasPrefix("SEED"), let k = Int(serialNumber.dropFirst(4)), (1...cards).contains(k) else { return nil }
        return k
    }

    static func zeroPadded(_ n: Int, _ width: Int, radix: Int = 10) -> String {
        let digits = String(n, radix: radix)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    struct Header: Codable {
        var passTypeIdentifier: String
        var cards: Int
        var devices: Int
    }

    public struct FormatError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Writes the manifest to `path`, readable by the owner only; `token(k)` is card k's token.
    public static func write(
        to path: String, passTypeIdentifier: String, cards: Int, devices: Int, token: (Int) -> String
    ) throws {
        var text = String(decoding: try JSONEncoder().encode(Header(passTypeIdentifier: passTypeIdentifier, cards: cards, devices: devices)), as: UTF8.self)
        text.reserveCapacity(cards * 44 + 200)
        text += "\n"
        for k in 1...max(cards, 1) where cards > 0 {
            text += token(k)
            text += "\n"
        }
        let tmp = path + ".tmp"
        guard FileManager.default.createFile(atPath: tmp, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw FormatError(description: "\(path): cannot be written")
        }
        guard rename(tmp, path) == 0 else { throw FormatError(description: "\(path): cannot be written (errno \(errno))") }
    }

    /// Reads a manifest `write` wrote.
    public static func read(from path: String) throws -> FleetManifest {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FormatError(description: "\(path): no such file (run passline dev seed first: it writes it into the data directory)")
        }
        var lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true)[...]
        guard let first = lines.popFirst(), let header = try? JSONDecoder().decode(Header.self, from: Data(first)) else {
            throw FormatError(description: "\(path): line 1 is not the fleet header")
        }
        let tokens = lines.map { String(decoding: $0, as: UTF8.self) }
        guard tokens.count == header.cards else {
            throw FormatError(description: "\(path): \(tokens.count) tokens for \(header.cards) cards")
        }
        return FleetManifest(passTypeIdentifier: header.passTypeIdentifier, cards: header.cards, devices: header.devices, tokens: tokens)
    }
}
