import ArgumentParser
import PassBuilder

struct TemplateLint: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lint", abstract: "Check a template against Wallet's rules. Exit 1 on errors; warnings don't fail.")

    @Argument(help: "Template folder.")
    var directory: String

    func run() async throws {
        let diagnostics = TemplateLinter.lint(directory: directory)
        for d in diagnostics { print(d) }
        let errors = diagnostics.filter { $0.severity == .error }.count
        print("\(directory): \(errors) error(s), \(diagnostics.count - errors) warning(s)")
        if errors > 0 { throw ExitCode.failure }
    }
}
