import ArgumentParser
import Foundation
import PassBuilder

/// `--cert/--key | --p12`, `--wwdr`, `--password-env`, shared by the commands that sign.
struct CredentialOptions: ParsableArguments {
    @Option(help: "Pass Type ID certificate (PEM or DER).")
    var cert: String?

    @Option(help: "Private key of the certificate (PEM, may be encrypted).")
    var key: String?

    @Option(help: "Certificate and key as a .p12 exported from Keychain.")
    var p12: String?

    @Option(help: "The intermediate certificate that issued yours (default: Certificates/AppleWWDRCAG4.cer for Apple credentials).")
    var wwdr: String?

    @Option(name: .customLong("password-env"), help: "Name of the environment variable holding the key or .p12 password (never pass it in argv).")
    var passwordEnv: String?

    @Option(help: "Directory of development certificates, used (and created) when no credentials are given.")
    var devCerts: String = "data/dev-certs"

    static let bundledWWDR = "Certificates/AppleWWDRCAG4.cer"

    /// The credential files to load; creates development certificates when none are given.
    func resolve(quiet: Bool = false) throws -> CredentialFiles {
        var password: String?
        if let passwordEnv {
            guard let value = ProcessInfo.processInfo.environment[passwordEnv] else {
                throw fail("--password-env \(passwordEnv): the environment variable is not set")
            }
            password = value
        }
        if p12 != nil, cert != nil || key != nil {
            throw fail("give either --p12 or --cert with --key, not both")
        }
        if let p12 {
            return CredentialFiles(source: .p12(p12), password: password, intermediates: intermediates())
        }
        if cert != nil || key != nil {
            guard let cert, let key else { throw fail("--cert and --key go together") }
            return CredentialFiles(source: .pem(certificate: cert, key: key), password: password, intermediates: intermediates())
        }
        do {
            let created = try DevelopmentPKI.ensure(in: devCerts)
            if !quiet {
                printError("using development certificates in \(devCerts)\(created ? " (created now)" : ""): passes verify against \(devCerts)/root.pem but will not install on a phone")
            }
        } catch {
            throw fail("\(devCerts): cannot create development certificates: \(error)")
        }
        var files = DevelopmentPKI.files(in: devCerts)
        if let wwdr { files.intermediates = [wwdr] }
        return files
    }

    private func intermediates() -> [String] {
        if let wwdr { return [wwdr] }
        return FileManager.default.fileExists(atPath: Self.bundledWWDR) ? [Self.bundledWWDR] : []
    }

    func load(quiet: Bool = false) throws -> SigningCredentials {
        let files = try resolve(quiet: quiet)
        do {
            return try SigningCredentials.load(files: files)
        } catch {
            throw fail(error.description)
        }
    }
}
