import Foundation
import Loyalty
import Storage

/// An import file read and checked whole, before anything is written.
///
/// * UTF-8 (a byte-order mark is ignored), or Windows-1251 when the bytes are not UTF-8 (what a
///   Russian Excel saves as CSV).
/// * Lines and cells as in broadcasts' CSV (``BroadcastCSV/cells(_:separator:)``): `,` or `;`
///   (whichever the header uses), double quotes, blank lines skipped.
/// * The first line is the header: ``ImportColumn`` names the columns; `name` and `phone` are
///   required, an unknown or repeated column is refused.
/// * Every row: a name (at most 200 characters); one phone (``PhoneNumber``; a cell holding two
///   numbers, such as `+7 912 345-67-89, 8 913 000-00-01`, is refused: which is the household's
///   is not for the import to guess); an external id (at most 128 characters); a card number
///   (``CardNumbers/validateSupplied(_:)``, required when the program numbers cards from plastic);
///   a balance (a whole number of points, 0 or more); a tier (a tier's code or name, any case); a
///   turnover (``Money``, a decimal comma accepted); a status (`active` or `blocked`).
/// * Across rows: a card number or an external id on two rows is refused on both.
///
/// **Any bad line refuses the whole file** (``ImportRefusal``, every bad line named by its line
/// number in the file). Conflicts with cards already in the database are checked by
/// ``ImportService`` on top.
enum ImportCSV {
    /// Reads and checks a file. Rows keep their line numbers; the households' tiers are the
    /// highest tier any of their rows names.
    static func parse(_ bytes: [UInt8], program: LoyaltyProgram) throws(ImportRefusal) -> ImportFile {
        let text = decode(bytes)
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        if let first = lines.first, first.hasPrefix("\u{FEFF}") { lines[0] = first.dropFirst() }
        var bad: [ImportRefusal.Line] = []
        var header: [ImportColumn?] = []
        var separator: Character = ","
        var rows: [ImportRow] = []
        for (index, raw) in lines.enumerated() {
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            if line.allSatisfy(\.isWhitespace) { continue }
            if header.isEmpty {
                separator = line.contains(";") && !line.contains(",") ? ";" : ","
                header = readHeader(BroadcastCSV.cells(line, separator: separator), line: index + 1, bad: &bad)
                if !bad.isEmpty { throw ImportRefusal(lines: bad) }
                continue
            }
            do {
                rows.append(try row(BroadcastCSV.cells(line, separator: separator), header: header, line: index + 1, program: program))
            } catch {
                bad.append(error)
            }
        }
        if header.isEmpty { throw ImportRefusal(lines: [.init(line: 1, reason: "the file is empty: a header line and at least one row are needed")]) }
        if rows.isEmpty && bad.isEmpty { throw ImportRefusal(lines: [.init(line: 1, reason: "the file has a header but no rows")]) }
        bad += duplicates(rows, \.number, "card number")
        bad += duplicates(rows, \.externalID, "external_id")
        guard bad.isEmpty else { throw ImportRefusal(lines: bad) }
        return ImportFile(rows: rows, householdTiers: householdTiers(rows, program: program))
    }

    static func decode(_ bytes: [UInt8]) -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        return String(data: Data(bytes), encoding: .windowsCP1251) ?? String(decoding: bytes, as: UTF8.self)
    }

    static func readHeader(_ cells: [String], line: Int, bad: inout [ImportRefusal.Line]) -> [ImportColumn?] {
        var columns: [ImportColumn?] = []
        var seen = Set<ImportColumn>()
        for cell in cells {
            guard let column = ImportColumn.names[ImportColumn.normalise(cell)] else {
                let known = ImportColumn.allCases.map(\.rawValue).joined(separator: ", ")
                bad.append(.init(line: line, reason: cell.isEmpty ? "a header cell is empty" : "unknown column \"\(cell)\" (known: \(known), or their Russian names)"))
                columns.append(nil)
                continue
            }
            if !seen.insert(column).inserted { bad.append(.init(line: line, reason: "column \(column.rawValue) is named twice")) }
            columns.append(column)
        }
        for column in ImportColumn.required where !seen.contains(column) {
            bad.append(.init(line: line, reason: "the header has no \(column.rawValue) column (the header line names the columns: name, phone, …)"))
        }
        return columns
    }

    /// One data line as a row, or every reason it is bad (joined).
    static func row(_ cells: [String], header: [ImportColumn?], line: Int, program: LoyaltyProgram) throws(ImportRefusal.Line) -> ImportRow {
        var reasons: [String] = []
        if cells.count > header.count, cells[header.count...].contains(where: { !$0.isEmpty }) {
            reasons.append("\(cells.count) cells, the header names \(header.count)")
        }
        var value: [ImportColumn: String] = [:]
        for (i, column) in header.enumerated() {
            if let column, i < cells.count, !cells[i].isEmpty { value[column] = cells[i] }
        }
        let name = value[.name]
        if let name {
            if name.count > 200 { reasons.append("name is longer than 200 characters") }
            if name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) { reasons.append("name contains control characters") }
        } else {
            reasons.append("no name")
        }
        var phone: PhoneNumber?
        if let text = value[.phone] {
            do { phone = try PhoneNumber(parsing: text) } catch {
                reasons.append(twoPhones(text).map { "phone \"\(text)\" holds two numbers (\($0.0), \($0.1)): give one per row" } ?? "phone \"\(text)\": \(error)")
            }
        } else {
            reasons.append("no phone")
        }
        let externalID = value[.externalID]
        if let externalID, externalID.count > 128 { reasons.append("external_id is longer than 128 characters") }
        var number: String?
        if let text = value[.cardNumber] {
            do { number = try CardNumbers.validateSupplied(text) } catch { reasons.append("card number \"\(text)\": \(error)") }
        } else if program.cardNumbers == .supplied {
            reasons.append("no card number: the program uses the numbers of plastic cards")
        }
        var balance: Int64 = 0
        if let text = value[.balance] {
            if text.hasPrefix("-"), Int64(text) != nil {
                reasons.append("balance \(text) is negative")
            } else if let n = Int64(text), text.allSatisfy({ ("0"..."9").contains($0) }) {
                if n > PointLimits.perEntry { reasons.append("balance \(text) is more than \(PointLimits.perEntry) points") } else { balance = n }
            } else {
                reasons.append("balance \"\(text)\" is not a whole number of points")
            }
        }
        var turnover: Int64 = 0
        if let text = value[.turnover] {
            // A Russian spreadsheet writes 1500,50.
            let dotted = text.filter { $0 != "," }.count == text.count - 1 && !text.contains(".") ? text.replacingOccurrences(of: ",", with: ".") : text
            do { turnover = try Money(parsing: dotted).minorUnits } catch { reasons.append("turnover \"\(text)\": \(error)") }
        }
        var tier: String?
        if let text = value[.tier] {
            // A code or a display name, in any case: spreadsheets write "Gold".
            tier = program.tier(text)?.code
                ?? program.tiers.first { $0.code.lowercased() == text.lowercased() || $0.name.lowercased() == text.lowercased() }?.code
            if tier == nil { reasons.append("unknown tier \"\(text)\" (the program's tiers: \(program.tiers.map(\.code).joined(separator: ", ")))") }
        }
        var status = CardStatus.active
        if let text = value[.status] {
            if let s = CardStatus(rawValue: text.lowercased()) { status = s } else { reasons.append("status \"\(text)\" is not active or blocked") }
        }
        guard reasons.isEmpty, let name, let phone else { throw ImportRefusal.Line(line: line, reason: reasons.joined(separator: "; ")) }
        return ImportRow(line: line, name: name, phone: phone, externalID: externalID, number: number, balance: balance, turnover: turnover, tier: tier, status: status)
    }

    /// Two numbers in one cell, such as `+7 912 345-67-89, 8 913 000-00-01` or `89123456789 / +79123456789`.
    static func twoPhones(_ text: String) -> (PhoneNumber, PhoneNumber)? {
        for separator in [",", ";", "/", "|", " или ", " or "] {
            let parts = text.components(separatedBy: separator)
            guard parts.count == 2, let a = try? PhoneNumber(parsing: parts[0]), let b = try? PhoneNumber(parsing: parts[1]) else { continue }
            return (a, b)
        }
        return nil
    }

    /// Every row whose value at `key` another row has too, naming the others.
    static func duplicates(_ rows: [ImportRow], _ key: KeyPath<ImportRow, String?>, _ what: String) -> [ImportRefusal.Line] {
        var lines: [String: [Int]] = [:]
        for row in rows { if let v = row[keyPath: key] { lines[v, default: []].append(row.line) } }
        var bad: [ImportRefusal.Line] = []
        for (value, at) in lines where at.count > 1 {
            for line in at {
                let others = at.filter { $0 != line }.map(String.init).joined(separator: ", ")
                bad.append(.init(line: line, reason: "\(what) \(value) is on line\(at.count > 2 ? "s" : "") \(others) too"))
            }
        }
        return bad
    }

    /// The tier each phone's household starts in: the highest tier its rows name.
    static func householdTiers(_ rows: [ImportRow], program: LoyaltyProgram) -> [PhoneNumber: String] {
        let rank = { (code: String) in program.tiers.firstIndex { $0.code == code } ?? -1 }
        var tiers: [PhoneNumber: String] = [:]
        for row in rows {
            guard let tier = row.tier else { continue }
            if let current = tiers[row.phone], rank(current) >= rank(tier) { continue }
            tiers[row.phone] = tier
        }
        return tiers
    }
}

/// A file refused whole: every bad line with what is wrong with it, in line order.
public struct ImportRefusal: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Line: Error, Sendable, Hashable, CustomStringConvertible {
        /// The line in the file, 1-based.
        public var line: Int
        public var reason: String
        public var description: String { "line \(line): \(reason)" }
    }

    /// Every bad line, in line order.
    public var lines: [Line]

    init(lines: [Line]) {
        self.lines = lines.sorted { ($0.line, $0.reason) < ($1.line, $1.reason) }
    }

    /// The lines named in an answer at most (a file of a million bad lines would make a message of megabytes).
    static let shown = 1000

    public var description: String {
        let count = Set(lines.map(\.line)).count
        let named = lines.prefix(Self.shown).map(\.description).joined(separator: "; ")
        let more = lines.count > Self.shown ? "; … (\(lines.count - Self.shown) more)" : ""
        return "\(count) bad line\(count == 1 ? "" : "s"), nothing was imported: \(named)\(more)"
    }
}
