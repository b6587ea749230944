import ArgumentParser
import Foundation
import PassBuilder

struct CertsDev: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev", abstract: "Make a throwaway PKI shaped like Apple's (root → WWDR-like intermediate → Pass Type ID certificate).")

    @Option(help: "Output directory.")
    var out: String

    @Option(name: .customLong("pass-type-id"), help: "Pass type identifier.")
    var passTypeID: String = DevelopmentPKI.defaultIdentity.passTypeIdentifier

    @Option(name: .customLong("team-id"), help: "Team identifier.")
    var teamID: String = DevelopmentPKI.defaultIdentity.teamIdentifier

    func run() async throws {
        guard passTypeID.hasPrefix("pass."), !teamID.isEmpty else { throw fail("--pass-type-id must start with \"pass.\" and --team-id must not be empty") }
        do {
            try DevelopmentPKI.generate(identity: PassIdentity(passTypeIdentifier: passTypeID, teamIdentifier: teamID)).write(to: out)
        } catch {
            throw fail("\(out): \(error)")
        }
        print("""
            wrote \(out)/root.pem, wwdr.pem, pass.pem, pass.key for \(passTypeID) (team \(teamID))
            Passes signed with these verify (passline pass verify FILE --trust \(out)/root.pem) but will not install on a phone:
            Wallet accepts only certificates issued by Apple's WWDR intermediate.
            """)
    }
}

struct CertsCheck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Load signing credentials and check them: key, pass type and team, chain, expiry.")

    @OptionGroup var credentials: CredentialOptions

    func run() async throws {
        let signer = try credentials.load()
        let report = CredentialReport.check(signer)
        for f in report.findings { print(f) }
        guard report.isUsable else { throw ExitCode.failure }
        print("credentials usable for \(signer.identity.passTypeIdentifier) (team \(signer.identity.teamIdentifier))")
    }
}
