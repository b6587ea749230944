import Crypto
import Foundation
import Testing
import X509

import PassBuilder

/// A test precondition that does not hold (a missing tool, fixture or binary): the message says what to do.
package struct TestSetupError: Error, CustomStringConvertible {
    package var description: String
    package init(_ description: String) { self.description = description }
}

// MARK: - Paths

package enum TestPaths {
    /// The package root: the nearest folder above this file that holds Package.swift
    /// (this file is Tests/TestSupport/PassBuilderFixtures.swift).
    package static let repoRoot: String = {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        for _ in 0..<6 {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url.path }
            url.deleteLastPathComponent()
        }
        // Tests/TestSupport/PassBuilderFixtures.swift → three levels up.
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }()

    package static func repo(_ relative: String) -> String { URL(fileURLWithPath: repoRoot).appendingPathComponent(relative).path }

    package static var loyaltyTemplate: String { repo("PassTemplates/loyalty") }
    package static var bundledWWDRG4: String { repo("Certificates/AppleWWDRCAG4.cer") }

    /// Where Apple's sample passes are kept in the repository.
    package static var sampleFolders: [String] { [repo("Tests/Fixtures/apple-sample-passes")] }

    /// Apple's sample passes; fails (never skips) when neither folder holds them.
    package static func appleSamplePasses() throws -> [String] {
        for dir in sampleFolders {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { continue }
            let passes = names.filter { $0.hasSuffix(".pkpass") }.sorted().map { URL(fileURLWithPath: dir).appendingPathComponent($0).path }
            if !passes.isEmpty { return passes }
        }
        throw TestSetupError("Apple's sample passes are missing: expected the .pkpass files in \(sampleFolders.joined(separator: " or "))")
    }
}

// MARK: - Temporary directories and files

/// A fresh directory under the system temp folder; call `remove()` (usually in a `defer`).
package struct TempDir: Sendable {
    package let path: String

    package init(_ label: String = "passline-tests") throws {
        let url = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        path = url.path
    }

    private init(existing path: String) { self.path = path }

    /// A TempDir value for a sub-folder (created if absent) of another TempDir; removed with its parent.
    package static func at(_ path: String) throws -> TempDir {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return TempDir(existing: path)
    }

    package func remove() { try? FileManager.default.removeItem(atPath: path) }

    /// The absolute path of `relative` inside the directory.
    package func file(_ relative: String) -> String { URL(fileURLWithPath: path).appendingPathComponent(relative).path }

    @discardableResult
    package func write(_ relative: String, _ bytes: [UInt8]) throws -> String {
        let target = file(relative)
        try FileManager.default.createDirectory(atPath: URL(fileURLWithPath: target).deletingLastPathComponent().path, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: target))
        return target
    }

    @discardableResult
    package func write(_ relative: String, _ text: String) throws -> String { try write(relative, Array(text.utf8)) }

    package func read(_ relative: String) throws -> [UInt8] { try readBytes(file(relative)) }

    package func exists(_ relative: String) -> Bool { FileManager.default.fileExists(atPath: file(relative)) }

    /// Copies a folder (e.g. a template) into this directory and returns the copy's path.
    package func copy(folder source: String, as name: String) throws -> String {
        let target = file(name)
        try FileManager.default.copyItem(atPath: source, toPath: target)
        return target
    }
}

package func readBytes(_ path: String) throws -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else { throw TestSetupError("cannot read \(path)") }
    return [UInt8](data)
}

package func sha1Hex(_ bytes: [UInt8]) -> String {
    Insecure.SHA1.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
}

// MARK: - Development PKI and credentials (generated once per test process)

package enum DevFixtures {
    /// A signing time inside the cached PKIs' validity (they start an hour before generation).
    package static let signingTime: Date = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))

    package static let identityB = PassIdentity(passTypeIdentifier: "pass.test.example", teamIdentifier: "TEAM999")

    private static let cachedA = Result<DevelopmentPKI, TestSetupError> { () throws(TestSetupError) in
        do { return try DevelopmentPKI.generate() } catch { throw TestSetupError("DevelopmentPKI.generate() failed: \(error)") }
    }
    private static let cachedB = Result<DevelopmentPKI, TestSetupError> { () throws(TestSetupError) in
        do { return try DevelopmentPKI.generate(identity: identityB) } catch { throw TestSetupError("DevelopmentPKI.generate(identity:) failed: \(error)") }
    }

    /// The default development PKI (pass.dev.passline.loyalty / DEVTEAM123).
    package static func pki() throws -> DevelopmentPKI { try cachedA.get() }
    /// A second, independent PKI with the identity pass.test.example / TEAM999.
    package static func pkiB() throws -> DevelopmentPKI { try cachedB.get() }

    /// Leaf, key and intermediate of `pki` loaded as signing credentials.
    package static func credentials(_ pki: DevelopmentPKI, intermediates: Bool = true) throws -> SigningCredentials {
        try SigningCredentials.load(
            certificate: Array(pki.certificatePEM.utf8), key: Array(pki.keyPEM.utf8),
            intermediates: intermediates ? [Array(pki.intermediatePEM.utf8)] : [])
    }

    package static func credentials() throws -> SigningCredentials { try credentials(pki()) }

    package static func root(_ pki: DevelopmentPKI) throws -> Certificate { try Certificate(pemEncoded: pki.rootPEM) }
    package static func leaf(_ pki: DevelopmentPKI) throws -> Certificate { try Certificate(pemEncoded: pki.certificatePEM) }
    package static func intermediate(_ pki: DevelopmentPKI) throws -> Certificate { try Certificate(pemEncoded: pki.intermediatePEM) }

    package static func loyaltyTemplate() throws -> PassTemplate { try PassTemplate.load(from: TestPaths.loyaltyTemplate) }

    package static func loyaltyFactory(signer: (any PassSigner)? = nil, webServiceURL: String? = nil) throws -> PassFactory {
        try PassFactory(template: loyaltyTemplate(), signer: signer ?? credentials(), webServiceURL: webServiceURL)
    }

    package static func sampleValues() throws -> [String: JSONValue] { try loyaltyTemplate().manifest.sampleValues }

    /// A loyalty pass built with the default PKI and the sample values.
    package static func buildLoyalty(
        values: [String: JSONValue]? = nil, variant: String? = nil, signingTime: Date = signingTime, factory: PassFactory? = nil
    ) throws -> BuiltPass {
        let factory = try factory ?? loyaltyFactory()
        return try factory.build(PassRequest(values: values ?? sampleValues(), variant: variant, signingTime: signingTime))
    }
}

// MARK: - Zip helpers

/// A stored zip of `entries` in the given order, written with the library's deterministic writer.
package func makeZip(_ entries: [(name: String, data: [UInt8])]) -> [UInt8] {
    var zip = ZipWriter()
    for entry in entries { zip.add(name: entry.name, data: entry.data) }
    return zip.finish()
}

/// The entries of a zip, in archive order.
package func zipEntries(_ bytes: [UInt8]) throws -> [(name: String, data: [UInt8])] {
    try PassArchive(bytes: bytes).entries.map { ($0.name, $0.data) }
}

/// Unzips a .pkpass into `dir` (files only).
package func unpack(_ bytes: [UInt8], into dir: TempDir) throws {
    for entry in try PassArchive(bytes: bytes).entries where !entry.isDirectory {
        try dir.write(entry.name, entry.data)
    }
}

extension VerificationReport {
    /// Every error message, one per line, for failure messages.
    package var errorText: String { errors.map(\.description).joined(separator: "\n") }
    package var allText: String { checks.map(\.description).joined(separator: "\n") }

    package func hasError(_ area: String? = nil, containing needle: String) -> Bool {
        errors.contains { (area == nil || $0.area == area) && $0.message.localizedCaseInsensitiveContains(needle) }
    }
}

// MARK: - Processes

package struct ProcessResult: Sendable {
    package var status: Int32
    package var stdout: String
    package var stderr: String

    package var stderrLines: [String] { stderr.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }
    package var summary: String { "exit \(status)\n--- stdout\n\(stdout)\n--- stderr\n\(stderr)" }
}

package enum Processes {
    /// Runs `executable` with `arguments`; output goes through temporary files, so nothing can block on a full pipe.
    package static func run(_ executable: String, _ arguments: [String], in directory: String? = nil, environment extra: [String: String] = [:]) throws -> ProcessResult {
        let scratch = try TempDir("passline-proc")
        defer { scratch.remove() }
        let outPath = scratch.file("stdout"), errPath = scratch.file("stderr")
        guard FileManager.default.createFile(atPath: outPath, contents: nil), FileManager.default.createFile(atPath: errPath, contents: nil),
              let out = FileHandle(forWritingAtPath: outPath), let err = FileHandle(forWritingAtPath: errPath) else {
            throw TestSetupError("cannot create output files in \(scratch.path)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        var env = ProcessInfo.processInfo.environment
        for (k, v) in extra { env[k] = v }
        process.environment = env
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        do {
            try ProcessLaunch.run(process)
        } catch {
            throw TestSetupError("cannot run \(executable): \(error)")
        }
        process.waitUntilExit()
        try out.close()
        try err.close()
        return ProcessResult(
            status: process.terminationStatus,
            stdout: String(decoding: try readBytes(outPath), as: UTF8.self),
            stderr: String(decoding: try readBytes(errPath), as: UTF8.self))
    }

    package static func which(_ tool: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/local/bin", "/opt/homebrew/bin"] {
            let candidate = URL(fileURLWithPath: dir).appendingPathComponent(tool).path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// The `openssl` command-line tool, the independent check of what the library writes.
    package static func openssl(_ arguments: [String], in directory: String? = nil, environment: [String: String] = [:]) throws -> ProcessResult {
        guard let tool = which("openssl") else { throw TestSetupError("the openssl command-line tool is required by these tests (apt-get install openssl)") }
        return try run(tool, arguments, in: directory, environment: environment)
    }

    /// Like `openssl(_:)`, but a non-zero exit status is a setup error (for preparing inputs).
    @discardableResult
    package static func opensslOK(_ arguments: [String], in directory: String? = nil) throws -> ProcessResult {
        let r = try openssl(arguments, in: directory)
        guard r.status == 0 else { throw TestSetupError("openssl \(arguments.joined(separator: " ")) failed: \(r.summary)") }
        return r
    }

    /// The built `passline` executable, found beside the test bundle (same build products directory),
    /// else in `<repo>/.build/debug`. Fails with instructions when it has not been built.
    package static let passlinePath: Result<String, TestSetupError> = {
        var dirs: [URL] = []
        if let exe = Bundle.main.executableURL { dirs.append(exe.resolvingSymlinksInPath().deletingLastPathComponent()) }
        dirs.append(URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent())
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            dirs.append(bundle.bundleURL.deletingLastPathComponent())
        }
        dirs.append(Bundle.main.bundleURL)
        dirs.append(URL(fileURLWithPath: TestPaths.repo(".build/debug")))
        for dir in dirs {
            let candidate = dir.appendingPathComponent("passline").path
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDir), !isDir.boolValue,
               FileManager.default.isExecutableFile(atPath: candidate) {
                return .success(candidate)
            }
        }
        return .failure(TestSetupError(
            "the passline executable was not found next to the test bundle (\(dirs.map(\.path).joined(separator: ", "))); run `swift build` (with the same --scratch-path) before `swift test`"))
    }()

    package static func passline(_ arguments: [String], in directory: String, environment: [String: String] = [:]) throws -> ProcessResult {
        try run(passlinePath.get(), arguments, in: directory, environment: environment)
    }
}

/// Verifies a .pkpass with `openssl cms -verify` against `rootPEM`, in a scratch directory.
package func opensslVerify(_ pkpass: [UInt8], rootPEM: String) throws -> ProcessResult {
    let dir = try TempDir("passline-cms")
    defer { dir.remove() }
    try unpack(pkpass, into: dir)
    try dir.write("root.pem", rootPEM)
    return try Processes.openssl(
        ["cms", "-verify", "-binary", "-inform", "DER", "-in", "signature", "-content", "manifest.json", "-CAfile", "root.pem", "-purpose", "any", "-out", "/dev/null"],
        in: dir.path)
}
