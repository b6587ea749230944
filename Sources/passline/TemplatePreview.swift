import ArgumentParser
import Foundation
import PassBuilder
import Studio

/// `passline template preview DIR --out FILE.html`: the template drawn as Wallet lays it out
/// (front and back, with its sample values), its lint beside it, in one self-contained file
/// (images inlined) for review in a pull request.
struct TemplatePreview: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preview",
        abstract: "Draw a template as Wallet lays it out, with its lint, into one self-contained HTML file.",
        discussion: "A preview, not Wallet: fonts and Wallet's colour handling differ. See docs/templates.md.")

    @Argument(help: "Template folder.")
    var directory: String

    @Option(help: "The HTML file to write.")
    var out: String

    @Option(help: "The variant (tier) to draw (default: the template's default).")
    var variant: String?

    @Option(help: "The language (an .lproj of the template; default: the first).")
    var lang: String?

    func run() async throws {
        let template: PassTemplate
        do { template = try PassTemplate.load(from: directory) } catch { throw fail("\(directory): \(error)") }
        let variant = variant ?? template.manifest.defaultVariant
        if let variant, template.manifest.variants?[variant] == nil, template.variantFiles[variant] == nil {
            throw fail("\(directory): no variant \(variant) (the template has \((template.manifest.variants?.keys.sorted() ?? []).joined(separator: ", ")))")
        }
        let pass: JSONValue
        do {
            pass = try TemplateRenderer.render(template.passJSON(variant: variant), values: template.manifest.sampleValues, file: "pass.json")
        } catch {
            throw fail("\(directory): the sample values do not render: \(error)")
        }
        let preview = PassPreview(pass: pass, files: template.bundleFiles(variant: variant), language: lang, barcode: StudioServer.barcode)
        let diagnostics = TemplateLinter.lint(directory: directory)
        let html = preview.page(title: "\(template.name)\(variant.map { " · \($0)" } ?? "")", aside: StudioPages.lint(diagnostics))
        do { try Data(html.utf8).write(to: URL(fileURLWithPath: out)) } catch { throw fail("\(out): \(error)") }
        let errors = diagnostics.filter { $0.severity == .error }.count
        say("wrote \(out): \(template.name)\(variant.map { " (\($0))" } ?? ""), \(preview.language ?? preview.languages.first ?? "no language"); lint: \(errors) error(s), \(diagnostics.count - errors) warning(s)")
    }
}
