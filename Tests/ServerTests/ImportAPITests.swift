import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PassBuilder
import Storage
import Testing
import TestSupport

@testable import Server

/// `POST /api/v1/imports` over a live server on both databases: the worker started with the
/// server imports accepted files; bad files are refused whole and write nothing; a file imported
/// again changes nothing.
@Suite struct ImportAPITests {
    /// Two rows of one household (its phone spelt two ways), a plastic card in the gold tier, a
    /// virtual card with turnover and no tier, in Russian headers and `;`.
    static let base = """
        ФИО;Телефон;Внешний ID;Номер карты;Баллы;Уровень;Оборот
        Анна Петрова;+7 912 345-67-89;crm-1;;500;silver;35000,00
        Борис Петров;8 (912) 345-67-89;crm-2;;250;;

        Вера Сидорова;+79120000002;crm-3;pl-0001;0;Gold;
        Глеб;9120000003;;;1000;;1500.50
        """

    @Test(arguments: Engine.allCases)
    func householdsOpeningBalancesAndTiers(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let api = LoyaltyAPI(s, client)
            let done = try await api.importAndWait(Self.base)
            #expect(done["rows"]?.int64 == 4 && done["processed"]?.int64 == 4, "\(done)")
            #expect(done["cardsCreated"]?.int64 == 4 && done["cardsExisting"]?.int64 == 0, "\(done)")
            #expect(done["householdsCreated"]?.int64 == 3 && done["openingPoints"]?.int64 == 1750, "\(done)")
            #expect(done["finishedAt"]?.stringValue != nil && done["error"] == .null, "\(done)")

            // One household for both spellings of the phone, a card each, the balance of both rows.
            #expect(try await api.numbers(phone: "+79123456789") == ["79123456789-1", "79123456789-2"])
            let anna = try await api.card("79123456789-1")
            #expect(anna["name"]?.stringValue == "Анна Петрова" && anna["externalId"]?.stringValue == "crm-1")
            #expect(anna["balance"]?.int64 == 750 && anna["tier"]?.stringValue == "silver" && anna["turnover"]?.stringValue == "35000.00", "\(anna)")
            #expect(try await api.card("79123456789-2")["name"]?.stringValue == "Борис Петров")
            let vera = try await api.card("PL-0001")
            #expect(vera["tier"]?.stringValue == "gold" && vera["balance"]?.int64 == 0, "\(vera)")
            let gleb = try await api.card("79120000003-1")
            #expect(gleb["tier"]?.stringValue == "base" && gleb["balance"]?.int64 == 1000 && gleb["turnover"]?.stringValue == "1500.50", "\(gleb)")

            // Opening entries with keys from the file's hash and line; no welcome points; balances are their sums.
            let hash = try #require(try await s.server.imports.store.record(id: 1)?.fileHash)
            let entries = try await api.column("SELECT kind || '|' || points || '|' || business_key || '|' || card_number FROM ledger_entries ORDER BY id")
            let h = hash.prefix(16)
            #expect(entries == [
                "opening|500|import:\(h):2|79123456789-1", "opening|250|import:\(h):3|79123456789-2", "opening|1000|import:\(h):6|79120000003-1",
            ])
            #expect(try await api.ledgerSum("79123456789-1") == 750)
            #expect(try await api.column("SELECT DISTINCT source FROM cards") == ["import"])
            // Every card has its pass, stamped with a tag; nobody is pushed (no device holds them yet).
            #expect(try await api.count("SELECT COUNT(*) FROM passes p JOIN cards c ON c.pass_type_id = p.pass_type_id AND c.serial_number = p.serial_number WHERE p.update_tag > 0") == 4)
            #expect(try await api.count("SELECT COUNT(*) FROM push_due") == 0)
            let pass = try await api.get("/cards/PL-0001/pass")
            #expect(pass.status == .ok && pass.bytes.count > 1000, "\(pass.status)")
            // A transaction on an imported card works as on any other.
            try await api.apply("79123456789-2", #"{"type":"accrual","points":5}"#)
            #expect(try await api.balance("79123456789-1") == 755)
        }
    }

    @Test(arguments: Engine.allCases)
    func importingTheSameFileAgainChangesNothing(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let api = LoyaltyAPI(s, client)
            try await api.importAndWait(Self.base)
            let before = try await api.snapshot()
            let again = try await api.importAndWait(Self.base)
            #expect(again["cardsCreated"]?.int64 == 0 && again["cardsExisting"]?.int64 == 4, "\(again)")
            #expect(again["householdsCreated"]?.int64 == 0 && again["openingPoints"]?.int64 == 0, "\(again)")
            #expect(try await api.snapshot() == before)
            // A card issued since, and a file that adds one row: only that row is new.
            let extended = Self.base + "\nДана;+79120000004;;;20;;"
            let third = try await api.importAndWait(extended)
            #expect(third["cardsCreated"]?.int64 == 1 && third["cardsExisting"]?.int64 == 4 && third["openingPoints"]?.int64 == 20, "\(third)")
            #expect(try await api.balance("79120000004-1") == 20)
            #expect(try await api.balance("79123456789-1") == 750, "the household's balance was not credited twice")
        }
    }

    @Test(arguments: Engine.allCases)
    func anExistingHouseholdsDevicesLearnOfItsNewBalance(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let api = LoyaltyAPI(s, client)
            let anna = try await api.issueNumber("Anna", phone: "+79123456789")
            let serial = try #require(try await api.card(anna)["serialNumber"]?.stringValue)
            let register = try await client.execute(
                uri: "/v1/devices/dev-anna/registrations/\(s.passType)/\(serial)", method: .post, headers: s.appleAuth(serial),
                body: ByteBuffer(string: #"{"pushToken":"\#(pushTokenA)"}"#))
            #expect(register.status == .created)
            let tagBefore = try await api.count("SELECT update_tag FROM passes WHERE serial_number = $1", [.text(serial)])
            #expect(try await api.count("SELECT COUNT(*) FROM push_due") == 0)

            // A new card in Anna's household with an opening balance, and a new household (no device, no push).
            let done = try await api.importAndWait("name,phone,balance,tier\nBoris,+79123456789,40,silver\nVera,+79120000002,5,\n")
            #expect(done["cardsCreated"]?.int64 == 2 && done["householdsCreated"]?.int64 == 1, "\(done)")
            let annaNow = try await api.card(anna)
            #expect(annaNow["balance"]?.int64 == 140 && annaNow["tier"]?.stringValue == "silver", "\(annaNow)")
            #expect(try await api.count("SELECT update_tag FROM passes WHERE serial_number = $1", [.text(serial)]) > tagBefore, "Anna's pass changed")
            #expect(try await api.column("SELECT push_token FROM push_due") == [pushTokenA], "only Anna's device is told")
            let changed = try await client.execute(uri: "/v1/devices/dev-anna/registrations/\(s.passType)?passesUpdatedSince=\(tagBefore)", method: .get)
            #expect(changed.json?["serialNumbers"]?.arrayValue == [.string(serial)], "\(changed.status)")
        }
    }

    @Test(arguments: Engine.allCases)
    func virtualCardsAreRecognisedByPhoneAndName(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let api = LoyaltyAPI(s, client)
            // Issued through the API before the import: the file's row of the same person is that card.
            let anna = try await api.issueNumber("Anna", phone: "+79123456789")
            let file = "name,phone,balance\nAnna,+79123456789,40\nAnna,89123456789,5\nBoris,+79123456789,7\n"
            let done = try await api.importAndWait(file)
            #expect(done["cardsExisting"]?.int64 == 1 && done["cardsCreated"]?.int64 == 2, "a second Anna of the household is a second card: \(done)")
            #expect(try await api.numbers(phone: "+79123456789") == [anna, "79123456789-2", "79123456789-3"])
            #expect(try await api.balance(anna) == 100 + 5 + 7, "the welcome points, and the new rows' opening balances only")
            let again = try await api.importAndWait(file)
            #expect(again["cardsExisting"]?.int64 == 3 && again["cardsCreated"]?.int64 == 0, "\(again)")
        }
    }

    // MARK: bad input

    @Test(arguments: Engine.allCases)
    func badFilesAreRefusedWholeNamingTheirLines(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let api = LoyaltyAPI(s, client)
            try await api.issue("Owner", phone: "+79990000001", extra: #""number":"PL-9999""#)
            let before = try await api.snapshot()
            let cases: [(String, csv: String, lines: [Int], says: String)] = [
                ("duplicated card number", "name,phone,card_number\nA,+79120000001,PL-1000\nB,+79120000002,PL-2000\nC,+79120000003,PL-1000\n", [2, 4], "PL-1000"),
                ("card number of another household", "name,phone,card_number\nA,+79120000001,PL-1000\nB,+79120000002,pl-9999\n", [3], "another household"),
                ("phone in two formats", "name;phone\nA;+79120000001\nB;+7 912 345-67-89, 8 912 345-67-89\n", [3], "two numbers"),
                ("unreadable phone", "name,phone\nA,+79120000001\nB,12345\n", [3], "12345"),
                ("negative balance", "name,phone,balance\nA,+79120000001,5\nB,+79120000002,-5\n", [3], "negative"),
                ("unknown tier", "name,phone,tier\nA,+79120000001,base\nB,+79120000002,platinum\n", [3], "platinum"),
                ("unknown column", "name,phone,email\nA,+79120000001,a@example.com\n", [1], "email"),
                ("missing column", "name,balance\nA,5\n", [1], "no phone column"),
                ("header only", "name,phone\n", [1], "no rows"),
                ("several bad lines", "name,phone,balance\nA,+79120000001,x\nB,+79120000002,1\nC,1,1\n,+79120000004,-1\n", [2, 4, 5], "3 bad lines"),
            ]
            for (what, csv, lines, says) in cases {
                let r = try await api.importCSV(csv)
                api.expectProblem(r, .unprocessableContent, field: "body", "\(what)")
                let detail = r.detail ?? ""
                for line in lines { #expect(detail.contains("line \(line):"), "\(what): line \(line) not named in \(detail)") }
                let named = detail.matches(of: /line (\d+):/).compactMap { Int($0.1) }
                #expect(Set(named) == Set(lines), "\(what): only the bad lines are named: \(detail)")
                #expect(detail.contains(says), "\(what): \(detail)")
            }
            // An empty body is no file at all.
            let empty = try await api.importCSV("\n \n")
            #expect(empty.status == .badRequest || empty.status == .unprocessableContent, "\(empty.status) \(empty.text)")
            #expect(try await api.snapshot() == before, "nothing was written")
            #expect(try await api.count("SELECT COUNT(*) FROM imports") == 0)
        }
    }

    @Test(arguments: Engine.allCases)
    func anIdempotencyKeyReplaysTheImport(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let api = LoyaltyAPI(s, client)
            let first = try await api.importCSV(Self.base, idempotencyKey: "import-1")
            #expect(first.status == .accepted && first.headers[.idempotentReplayed] == nil, "\(first.text)")
            let id = try #require(first.json?["id"]?.stringValue)
            _ = try await api.finishedImport(id)
            let again = try await api.importCSV(Self.base, idempotencyKey: "import-1")
            #expect(again.status == .accepted && again.headers[.idempotentReplayed] == "true", "\(again.text)")
            #expect(again.json?["id"]?.stringValue == id && again.headers[.location] == "/api/v1/imports/\(id)")
            #expect(again.json?["state"]?.stringValue == "done", "a replay shows the import as it is now")
            let other = try await api.importCSV(Self.base + "\nДана;+79120000004;;;20;;", idempotencyKey: "import-1")
            api.expectProblem(other, .conflict, field: "Idempotency-Key")
            #expect(try await api.count("SELECT COUNT(*) FROM imports") == 1)
            let unknown = try await api.get("/imports/999")
            api.expectProblem(unknown, .notFound, field: nil)
            let crm = try await api.post("/apikeys", #"{"name":"crm","scopes":["crm"]}"#)
            let token = try #require(crm.json?["token"]?.stringValue)
            #expect(try await api.with(token: token).importCSV(Self.base).status == .forbidden, "imports need the admin scope")
        }
    }

    @Test(arguments: Engine.allCases)
    func importedPassesAreKeyedByTheCurrentSecret(_ engine: Engine) async throws {
        // After a rotation, a new pass's serial carries the secret's generation, and a device gets it with its token.
        try await TestServer.run(engine, configure: {
            $0.secretHex = String(repeating: "ab", count: 32)
            $0.previousSecretsHex = String(repeating: "cd", count: 32)
        }) { s, client in
            let api = LoyaltyAPI(s, client)
            try await api.importAndWait("name,phone\nAnna,+79123456789\n")
            let serial = try #require(try await api.card("79123456789-1")["serialNumber"]?.stringValue)
            #expect(serial.hasPrefix("g1-"), "\(serial)")
            let fetched = try await client.execute(uri: "/v1/passes/\(s.passType)/\(serial)", method: .get, headers: s.appleAuth(serial))
            #expect(fetched.status == .ok)
        }
    }

    @Test(arguments: Engine.allCases)
    func googleWalletObjectsAreMadeWithTheCards(_ engine: Engine) async throws {
        try await GoogleWalletServerTests.withGoogle(engine) { f in
            try await f.api.importAndWait(Self.base)
            let objects = try await f.api.column("SELECT card_number || '|' || object_id FROM google_objects ORDER BY card_number")
            #expect(objects == [
                "79120000003-1|\(GoogleWalletServerTests.issuer).79120000003-1", "79123456789-1|\(GoogleWalletServerTests.issuer).79123456789-1",
                "79123456789-2|\(GoogleWalletServerTests.issuer).79123456789-2", "PL-0001|\(GoogleWalletServerTests.issuer).PL-0001",
            ], "\(objects)")
            try await f.eventually("the imported card's object is at Google") { f.object("PL-0001") != nil }
        }
    }
}
