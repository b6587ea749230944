import ArgumentParser
import Foundation
import PassBuilder
import X509

struct PassVerify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Check a .pkpass: zip layout, manifest, CMS signature, certificates. Exit 0 valid, 1 invalid.")

    @Argument(help: "The .pkpass file.")
    var file: String

    @Option(help: "A trusted root certificate (PEM or DER) the intermediate must chain to.")
    var trust: [String] = []

    func run() async throws {
        var roots: [Certificate] = []
        for path in trust {
            let bytes = try readFile(path)
            if let pem = String(validating: bytes, as: UTF8.self), pem.contains("-----BEGIN"), let c = try? Certificate(pemEncoded: pem) {
                roots.append(c)
            } else if let c = try? Certificate(derEncoded: bytes) {
                roots.append(c)
            } else {
                throw fail("\(path): not a PEM or DER certificate")
            }
        }
        let report = PassVerifier.verify(fileAt: file, trustRoots: roots)
        for check in report.checks { print(check) }
        if report.isValid {
            print("\(file): valid\(report.warnings.isEmpty ? "" : " with \(report.warnings.count) warning(s)")")
        } else {
            print("\(file): INVALID (\(report.errors.count) error(s))")
            throw ExitCode.failure
        }
    }
}
