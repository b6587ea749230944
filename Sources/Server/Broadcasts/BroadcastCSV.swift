import Foundation
import Loyalty

/// A CSV of phones, as marketing exports it from a CRM or a spreadsheet.
///
/// * Lines end in `\n` or `\r\n`; a UTF-8 byte-order mark is ignored; blank lines are skipped.
/// * Cells are separated by `,` or `;` (whichever the first line uses) and may be quoted (`"…"`, `""` for a quote).
/// * If the first line has a cell named `phone` or `телефон` (any case), it is a header and that
///   column holds the phones; otherwise the phones are in the first column and there is no header.
/// * Every row's phone must parse (``PhoneNumber``). **A file with any bad row is refused as a
///   whole**, naming every bad row by line number (the first 20 in the message), so a broadcast
///   never goes to a partly read list.
struct BroadcastCSV: Sendable {
    struct BadRow: Sendable, Hashable, CustomStringConvertible {
        var line: Int
        var reason: String
        var description: String { "line \(line): \(reason)" }
    }

    struct Refused: Error, Sendable, Hashable, CustomStringConvertible {
        var rows: [BadRow]
        var description: String {
            let shown = rows.prefix(20).map(\.description).joined(separator: "; ")
            return "\(rows.count) bad row\(rows.count == 1 ? "" : "s"), nothing was sent: \(shown)\(rows.count > 20 ? "; …" : "")"
        }
    }

    /// The phones of the file, in file order (duplicates kept; the store counts each household once).
    static func phones(_ text: String) throws(Refused) -> [PhoneNumber] {
        // "\r\n" is one Character in Swift: split on either.
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        if let first = lines.first, first.hasPrefix("\u{FEFF}") { lines[0] = first.dropFirst() }
        var phones: [PhoneNumber] = []
        var bad: [BadRow] = []
        var column = 0
        var separator: Character = ","
        var sawFirst = false
        for (index, raw) in lines.enumerated() {
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            if line.allSatisfy(\.isWhitespace) { continue }
            if !sawFirst {
                sawFirst = true
                separator = line.contains(";") && !line.contains(",") ? ";" : ","
                let cells = cells(line, separator: separator)
                if let header = cells.firstIndex(where: { ["phone", "телефон"].contains($0.lowercased()) }) {
                    column = header
                    continue
                }
            }
            let cells = cells(line, separator: separator)
            guard column < cells.count, !cells[column].isEmpty else {
                bad.append(BadRow(line: index + 1, reason: "no phone in column \(column + 1)"))
                continue
            }
            do {
                phones.append(try PhoneNumber(parsing: cells[column]))
            } catch {
                bad.append(BadRow(line: index + 1, reason: "\(cells[column]): \(error)"))
            }
        }
        guard bad.isEmpty else { throw Refused(rows: bad) }
        return phones
    }

    /// Splits a line into trimmed cells, honouring double quotes.
    static func cells(_ line: Substring, separator: Character) -> [String] {
        var cells: [String] = []
        var cell = ""
        var quoted = false
        var iterator = line.makeIterator()
        var pending: Character? = nil
        while let c = pending ?? iterator.next() {
            pending = nil
            if quoted {
                if c == "\"" {
                    if let next = iterator.next() {
                        if next == "\"" { cell.append("\"") } else { quoted = false; pending = next }
                    } else { quoted = false }
                } else {
                    cell.append(c)
                }
            } else if c == "\"" && cell.allSatisfy(\.isWhitespace) {
                cell = ""
                quoted = true
            } else if c == separator {
                cells.append(cell.trimmingCharacters(in: .whitespaces))
                cell = ""
            } else {
                cell.append(c)
            }
        }
        cells.append(cell.trimmingCharacters(in: .whitespaces))
        return cells
    }
}
