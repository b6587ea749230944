import Foundation
import Testing
import TestSupport

/// `passline import FILE.csv` and `passline export cards|ledger` on a SQLite database.
@Suite struct ImportCLITests {
    static func environment(_ dir: TempDir) -> [String: String] {
        [
            "PASSLINE_DATABASE_URL": "sqlite:\(dir.path)/passline.sqlite", "PASSLINE_DATA_DIR": dir.path + "/data",
            "PASSLINE_TEMPLATES": TestPaths.repo("PassTemplates"), "PASSLINE_LOG_LEVEL": "warning",
        ]
    }

    @Test func importThenExportThenImportAgain() throws {
        let dir = try TempDir("passline-import")
        defer { dir.remove() }
        let env = Self.environment(dir)
        let file = try dir.write("base.csv", "имя;телефон;баллы;уровень\nАнна;+79123456789;500;silver\nБорис;8 912 345-67-89;250;\nВера;+79120000002;0;\n")
        let imported = try Processes.passline(["import", file], in: dir.path, environment: env)
        #expect(imported.status == 0, "\(imported.summary)")
        #expect(imported.stdout.contains("import 1: done in"), "\(imported.summary)")
        #expect(imported.stdout.contains("3 created, 0 existing") && imported.stdout.contains("750 points"), "\(imported.summary)")
        #expect(imported.stderr.contains("3/3 rows"), "the progress line: \(imported.summary)")

        let out = dir.file("cards.csv")
        let exported = try Processes.passline(["export", "cards", "--out", out], in: dir.path, environment: env)
        #expect(exported.status == 0 && exported.stderr.contains("3 cards written"), "\(exported.summary)")
        let cards = String(decoding: try readBytes(out), as: UTF8.self)
        #expect(cards.hasPrefix("card_number,name,phone,external_id,tier,balance,turnover,status,source,created_at\r\n"), "\(cards)")
        #expect(cards.contains("79123456789-1,Анна,+79123456789,,silver,750,0.00,active,import,"), "\(cards)")
        let ledger = try Processes.passline(["export", "ledger"], in: dir.path, environment: env)
        #expect(ledger.status == 0 && ledger.stdout.split(separator: "\r\n").count == 3, "two opening entries and the header: \(ledger.summary)")

        let again = try Processes.passline(["import", file], in: dir.path, environment: env)
        #expect(again.status == 0 && again.stdout.contains("0 created, 3 existing"), "\(again.summary)")
        let reimported = try Processes.passline(["import", out], in: dir.path, environment: env)
        #expect(reimported.status == 0 && reimported.stdout.contains("0 created, 3 existing"), "an export is a file of the same cards: \(reimported.summary)")
    }

    @Test func aBadFileListsEveryBadLineAndWritesNothing() throws {
        let dir = try TempDir("passline-import")
        defer { dir.remove() }
        let env = Self.environment(dir)
        let file = try dir.write("bad.csv", "name,phone,balance\nAnna,+79123456789,-1\nBoris,+79120000002,1\nVera,12,1\n")
        let r = try Processes.passline(["import", file], in: dir.path, environment: env)
        #expect(r.status == 1, "\(r.summary)")
        #expect(r.stderr.contains("2 bad line(s), nothing was imported"), "\(r.summary)")
        #expect(r.stderr.contains("line 2: balance -1 is negative") && r.stderr.contains("line 4: phone \"12\""), "\(r.summary)")
        let cards = try Processes.passline(["export", "cards"], in: dir.path, environment: env)
        #expect(cards.status == 0 && cards.stdout.split(separator: "\r\n").count == 1, "only the header: \(cards.summary)")
        let missing = try Processes.passline(["import", dir.file("nope.csv")], in: dir.path, environment: env)
        #expect(missing.status == 1 && missing.stderrLines.count == 1, "\(missing.summary)")
        let period = try Processes.passline(["export", "ledger", "--from", "2026-12-02", "--to", "2026-12-01"], in: dir.path, environment: env)
        #expect(period.status == 1 && period.stderr.contains("to must be after from"), "\(period.summary)")
    }
}
