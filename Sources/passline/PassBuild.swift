import ArgumentParser
import Foundation
import PassBuilder

struct PassBuild: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build", abstract: "Render a template with values, sign it and write a .pkpass.")

    @Option(help: "Template folder.")
    var template: String = "PassTemplates/loyalty"

    @Option(help: "JSON object of template values (default: the template's sample values).")
    var values: String?

    @Option(help: "Output .pkpass file.")
    var out: String

    @Option(help: "Template variant, e.g. a tier (default: the template's default variant).")
    var variant: String?

    @Option(name: .customLong("signing-time"), help: "Signing time, ISO 8601 (default: now). The same inputs and time give identical bytes.")
    var signingTime: String?

    @Option(name: .customLong("web-service-url"), help: "webServiceURL to put in the pass (requires --authentication-token-env).")
    var webServiceURL: String?

    @Option(name: .customLong("authentication-token-env"), help: "Environment variable holding the pass's authenticationToken.")
    var authenticationTokenEnv: String?

    @OptionGroup var credentials: CredentialOptions

    func run() async throws {
        let time: Date
        if let signingTime {
            guard let t = ISO8601DateFormatter().date(from: signingTime) else {
                throw fail("--signing-time \(signingTime): not an ISO 8601 date-time such as 2026-11-23T10:00:00Z")
            }
            time = t
        } else {
            time = Date()
        }
        let loaded: PassTemplate
        do { loaded = try PassTemplate.load(from: template) } catch { throw fail(error.description) }
        var input = loaded.manifest.sampleValues
        if let values {
            let bytes = try readFile(values)
            do {
                guard case .object(let o) = try JSONValue(parsing: bytes) else { throw fail("\(values): must be a JSON object of template values") }
                input = o
            } catch let error as JSONParseError {
                throw fail("\(values): \(error)")
            }
        }
        var token: String?
        if let env = authenticationTokenEnv {
            guard let value = ProcessInfo.processInfo.environment[env] else { throw fail("--authentication-token-env \(env): the environment variable is not set") }
            token = value
        }
        let signer = try credentials.load()
        let report = CredentialReport.check(signer)
        for finding in report.findings where finding.level != .ok { printError(finding.description) }
        guard report.isUsable else { throw ExitCode.failure }
        do {
            let factory = try PassFactory(template: loaded, signer: signer, webServiceURL: webServiceURL)
            let pass = try factory.build(PassRequest(values: input, variant: variant, authenticationToken: token, signingTime: time))
            do {
                try writeAtomically(pass.pkpass, to: out)
            } catch {
                var isDirectory: ObjCBool = false
                let reason = FileManager.default.fileExists(atPath: out, isDirectory: &isDirectory) && isDirectory.boolValue
                    ? "is a directory" : "cannot be written (does the folder exist, and is it writable?)"
                throw fail("\(out): \(reason)")
            }
            print("wrote \(out) (\(pass.pkpass.count) bytes, serial \(pass.serialNumber), \(signer.identity.passTypeIdentifier))")
        } catch let error as TemplateError {
            throw fail(error.description)
        } catch let error as CredentialError {
            throw fail(error.description)
        }
    }
}
