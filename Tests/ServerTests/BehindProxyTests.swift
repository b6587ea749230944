import APNsMock
import Core
import Foundation
import PassBuilder
import Storage
import Testing
import TestSupport

@testable import Server

/// Two `passline serve` processes, each with its own data directory, on one PostgreSQL database,
/// behind one nginx that spreads requests over both (as docs/deployment.md sets it up): a change
/// made through one server is pushed and served by the other and through the proxy.
@Suite(.serialized) struct BehindProxyTests {
    static let secret = String(repeating: "5a", count: 32)
    static let admin = "proxy-test-admin-token-0123456789"
    static let pushToken = String(repeating: "c3", count: 32)

    @Test func aChangeThroughOneServerIsPushedAndServedByTheOther() async throws {
        let nginx = try Self.nginxPath()
        let dir = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = try await TestEnvironment.databaseURL(.postgres, in: dir)

        let identity = try MockTLSIdentity.generate()
        let caFile = dir.appendingPathComponent("apns-ca.pem").path
        try identity.trustRootPEM.write(toFile: caFile, atomically: true, encoding: .utf8)
        let root = try String(contentsOfFile: TestEnvironment.pkiDirectory + "/root.pem", encoding: .utf8)
        let mock = try await MockAPNs.start(MockAPNsConfiguration(identity: identity, clientCertificateAuthorityPEM: root))
        defer { Task { try? await mock.shutdown() } }

        let proxyPort = try Self.freePort()
        let publicURL = "http://127.0.0.1:\(proxyPort)"
        func environment(_ name: String) throws -> [String: String] {
            let data = dir.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
            return [
                "PASSLINE_DATABASE_URL": url, "PASSLINE_DATA_DIR": data.path, "PASSLINE_HTTP_PORT": "0", "PASSLINE_PUBLIC_URL": publicURL,
                "PASSLINE_TEMPLATES": TestEnvironment.repoRoot.appendingPathComponent("PassTemplates").path,
                "PASSLINE_PASS_CERT": TestEnvironment.pkiDirectory + "/pass.pem", "PASSLINE_PASS_KEY": TestEnvironment.pkiDirectory + "/pass.key",
                "PASSLINE_WWDR_CERT": TestEnvironment.pkiDirectory + "/wwdr.pem", "PASSLINE_ADMIN_TOKEN": Self.admin, "PASSLINE_SECRET": Self.secret,
                "PASSLINE_APNS_URL": mock.url, "PASSLINE_APNS_CA_FILE": caFile, "PASSLINE_FORWARDED_FOR": "1",
            ]
        }
        let one = try await ServerProcess.start(environment: try environment("one"), log: dir.appendingPathComponent("one.log").path)
        defer { one.stop() }
        let two = try await ServerProcess.start(environment: try environment("two"), log: dir.appendingPathComponent("two.log").path)
        defer { two.stop() }

        let conf = dir.appendingPathComponent("nginx.conf")
        try Self.nginxConfiguration(prefix: dir.path, port: proxyPort, upstreams: [one.port, two.port]).write(to: conf, atomically: true, encoding: .utf8)
        let proxy = Process()
        proxy.executableURL = URL(fileURLWithPath: nginx)
        proxy.arguments = ["-p", dir.path, "-c", conf.path, "-e", dir.appendingPathComponent("nginx-error.log").path]
        proxy.standardOutput = FileHandle.nullDevice
        proxy.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try ProcessLaunch.run(proxy)
        // nginx without its master process: SIGKILL is the one signal it cannot leave unanswered.
        defer { kill(proxy.processIdentifier, SIGKILL); proxy.waitUntilExit() }
        let deadline = ContinuousClock.now.advanced(by: .seconds(30))
        while (try? await Self.http(.init(publicURL + "/healthz"))).map({ $0.status }) != 200, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }

        let auth = ["Authorization": "Bearer \(Self.admin)"]
        // A card, issued through the proxy; the phone registers through the proxy too.
        let issued = try await Self.http(.init(publicURL + "/api/v1/cards", method: "POST", headers: auth, body: #"{"name":"Anna","phone":"+79120000001"}"#))
        #expect(issued.status == 201, "\(issued.text)")
        let card = try JSONValue(parsing: issued.body)
        let number = try #require(card["number"]?.stringValue), serial = try #require(card["serialNumber"]?.stringValue)
        let type = try #require(card["passTypeIdentifier"]?.stringValue)
        let token = AuthenticationTokens(secret: try #require(Hex.decode(Self.secret))).token(passTypeIdentifier: type, serialNumber: serial)
        let pass = ["Authorization": "ApplePass \(token)"]
        let registered = try await Self.http(.init(
            publicURL + "/v1/devices/phone-1/registrations/\(type)/\(serial)", method: "POST", headers: pass, body: #"{"pushToken":"\#(Self.pushToken)"}"#))
        #expect(registered.status == 201, "\(registered.text)")
        let first = try await Self.http(.init(publicURL + "/v1/passes/\(type)/\(serial)", headers: pass))
        #expect(first.status == 200)
        #expect(try Self.points(first.body) == 100)

        // The accrual goes to server one only; the push must come (from whichever server claims it).
        let accrued = try await Self.http(.init(
            "http://127.0.0.1:\(one.port)/api/v1/cards/\(number)/transactions", method: "POST", headers: auth, body: #"{"type":"accrual","points":50}"#))
        #expect(accrued.status == 201, "\(accrued.text)")
        try await mock.waitUntil(timeout: .seconds(30), includingTokens: true, "the push for the accrual") { ($0.acceptedByToken[Self.pushToken] ?? 0) >= 1 }

        // Server two, asked directly and through the proxy (both upstreams, round robin), serves the new balance.
        let lastModified = first.headers["last-modified"] ?? ""
        let direct = try await Self.http(.init("http://127.0.0.1:\(two.port)/v1/passes/\(type)/\(serial)", headers: pass.merging(["If-Modified-Since": lastModified]) { a, _ in a }))
        #expect(direct.status == 200, "a changed pass is not 304")
        #expect(try Self.points(direct.body) == 150)
        for i in 0..<4 {
            let listed = try await Self.http(.init(publicURL + "/v1/devices/phone-1/registrations/\(type)"))
            #expect((try? JSONValue(parsing: listed.body))?["serialNumbers"] == .array([.string(serial)]), "list \(i)")
            let fetched = try await Self.http(.init(publicURL + "/v1/passes/\(type)/\(serial)", headers: pass))
            #expect(fetched.status == 200)
            #expect(try Self.points(fetched.body) == 150, "fetch \(i) through the proxy")
        }
        // The proxy did reach both servers.
        let access = try String(contentsOf: dir.appendingPathComponent("access.log"), encoding: .utf8)
        #expect(access.contains("127.0.0.1:\(one.port)") && access.contains("127.0.0.1:\(two.port)"), "\(access)")
    }

    // MARK: helpers

    static func nginxPath() throws -> String {
        for path in ["/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx"] where FileManager.default.isExecutableFile(atPath: path) { return path }
        Issue.record("nginx is not installed (scripts/test.sh installs it: apt-get install nginx)")
        throw CancellationError()
    }

    static func nginxConfiguration(prefix: String, port: Int, upstreams: [Int]) -> String {
        """
        daemon off;
        master_process off;
        worker_processes 1;
        pid \(prefix)/nginx.pid;
        error_log \(prefix)/nginx-error.log warn;
        events { worker_connections 64; }
        http {
            log_format upstream '$request $status $upstream_addr';
            access_log \(prefix)/access.log upstream;
            client_body_temp_path \(prefix)/nginx-body;
            proxy_temp_path \(prefix)/nginx-proxy;
            fastcgi_temp_path \(prefix)/nginx-fastcgi;
            uwsgi_temp_path \(prefix)/nginx-uwsgi;
            scgi_temp_path \(prefix)/nginx-scgi;
            upstream passline {
        \(upstreams.map { "        server 127.0.0.1:\($0);" }.joined(separator: "\n"))
                keepalive 8;
            }
            server {
                listen 127.0.0.1:\(port);
                location / {
                    proxy_pass http://passline;
                    proxy_http_version 1.1;
                    proxy_set_header Connection "";
                    proxy_set_header Host $host;
                    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                    proxy_set_header X-Forwarded-Proto $scheme;
                }
            }
        }
        """
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw POSIXError(.EADDRINUSE) }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// The pass's points, read from its pass.json.
    static func points(_ pkpass: [UInt8]) throws -> Int64? {
        let entries = try PassArchive(bytes: pkpass).entries
        let json = try JSONValue(parsing: try #require(entries.first { $0.name == "pass.json" }).data)
        for group in ["headerFields", "primaryFields", "secondaryFields", "auxiliaryFields"] {
            for field in json["storeCard"]?[group]?.arrayValue ?? [] where field["key"]?.stringValue == "balance" {
                if case .integer(let n) = field["value"] { return n }
                if let s = field["value"]?.stringValue { return Int64(s) }
            }
        }
        return nil
    }

    struct Request: Sendable {
        var url: String
        var method = "GET"
        var headers: [String: String] = [:]
        var body: String?
        init(_ url: String, method: String = "GET", headers: [String: String] = [:], body: String? = nil) {
            (self.url, self.method, self.headers, self.body) = (url, method, headers, body)
        }
    }

    struct Response: Sendable {
        var status: Int
        var headers: [String: String]
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// One request with curl, bounded in time (a proxy that hangs fails the test instead of hanging it).
    static func http(_ request: Request) async throws -> Response {
        let scratch = try Scratch.directory("proxy-curl")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let bodyFile = scratch.appendingPathComponent("body"), headerFile = scratch.appendingPathComponent("headers")
        var arguments = ["-s", "--max-time", "10", "-X", request.method, "-o", bodyFile.path, "-D", headerFile.path, "-w", "%{http_code}"]
        for (name, value) in request.headers { arguments += ["-H", "\(name): \(value)"] }
        if let body = request.body { arguments += ["-H", "Content-Type: application/json", "--data-binary", body] }
        let outFile = scratch.appendingPathComponent("status")
        _ = try await Processes.runAsync(Processes.find("curl") ?? "/usr/bin/curl", arguments + [request.url], output: outFile)
        let out = (try? String(contentsOf: outFile, encoding: .utf8)) ?? ""
        var headers: [String: String] = [:]
        for line in ((try? String(contentsOf: headerFile, encoding: .utf8)) ?? "").components(separatedBy: "\r\n") {
            if let colon = line.firstIndex(of: ":") {
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return Response(status: Int(out.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0, headers: headers, body: Array((try? Data(contentsOf: bodyFile)) ?? Data()))
    }
}
