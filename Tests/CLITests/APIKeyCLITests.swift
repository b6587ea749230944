import Foundation
import Testing
import TestSupport

/// `passline apikey create|list|revoke` on the configured database.
@Suite struct APIKeyCLITests {
    @Test func createListRevoke() throws {
        let dir = try TempDir("passline-apikey")
        defer { dir.remove() }
        let env = ["PASSLINE_DATABASE_URL": "sqlite:\(dir.path)/passline.sqlite", "PASSLINE_DATA_DIR": dir.path + "/data"]
        let created = try Processes.passline(["apikey", "create", "--scope", "crm", "--name", "bitrix24"], in: dir.path, environment: env)
        #expect(created.status == 0, "\(created.stderr)")
        let tokenLine = try #require(created.stdout.split(separator: "\n").first { $0.hasPrefix("token (shown once): ") })
        let token = tokenLine.dropFirst("token (shown once): ".count)
        #expect(token.hasPrefix("pl_") && token.count == 46)
        let id = String(token.split(separator: "_")[1])

        let listed = try Processes.passline(["apikey", "list"], in: dir.path, environment: env)
        #expect(listed.status == 0)
        #expect(listed.stdout.contains(id) && listed.stdout.contains("crm") && listed.stdout.contains("active") && listed.stdout.contains("bitrix24"))
        #expect(!listed.stdout.contains(String(token)), "the token is never shown again")
        let database = try #require(FileManager.default.contents(atPath: "\(dir.path)/passline.sqlite"))
        #expect(database.range(of: Data(token.split(separator: "_")[2].utf8)) == nil, "only the secret's hash is stored")

        #expect(try Processes.passline(["apikey", "revoke", id], in: dir.path, environment: env).status == 0)
        #expect(try Processes.passline(["apikey", "list"], in: dir.path, environment: env).stdout.contains("revoked"))
        let again = try Processes.passline(["apikey", "revoke", id], in: dir.path, environment: env)
        #expect(again.status == 1 && again.stderrLines.count == 1)
    }

    @Test func badScopeIsOneLine() throws {
        let dir = try TempDir("passline-apikey")
        defer { dir.remove() }
        let env = ["PASSLINE_DATABASE_URL": "sqlite:\(dir.path)/passline.sqlite", "PASSLINE_DATA_DIR": dir.path + "/data"]
        for args in [["apikey", "create", "--scope", "root"], ["apikey", "create"]] {
            let r = try Processes.passline(args, in: dir.path, environment: env)
            #expect(r.status == 1, "\(args)")
            #expect(r.stderrLines.count == 1 && r.stderr.contains("scope"), "\(r.stderr)")
        }
        let unreachable = try Processes.passline(["apikey", "list"], in: dir.path, environment: ["PASSLINE_DATABASE_URL": "mysql://nope"])
        #expect(unreachable.status == 1 && unreachable.stderrLines.count == 1)
    }
}
