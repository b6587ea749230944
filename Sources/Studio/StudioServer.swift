import Distribution
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import PassBuilder
import ServiceLifecycle

/// `passline studio`: a local web app where a designer sees each template drawn as Wallet lays
/// it out, with its lint, its image slots and a form of sample values; saving a file of the
/// template redraws an open page (server-sent events); `/inspect` draws any `.pkpass` with the
/// verifier's report. It binds to loopback unless told otherwise, and serves nothing outside
/// the templates folder.
public struct StudioServer: Sendable {
    let templates: StudioTemplates
    /// Signs the `.pkpass` downloads (the development certificates unless others are given).
    let signer: (any PassSigner)?
    /// How often an open page's template folder is looked at for changes.
    var watchInterval: Duration = .milliseconds(250)
    /// The largest upload `/inspect` reads.
    static let maxUpload = 16 * 1024 * 1024

    public init(templatesDirectory: String, signer: (any PassSigner)?) {
        templates = StudioTemplates(directory: templatesDirectory)
        self.signer = signer
    }

    public typealias Context = BasicRequestContext

    public func router() -> Router<Context> {
        let router = Router(context: Context.self)
        router.get("/") { _, _ in html(index()) }
        router.get("/templates/{name}") { request, context in
            guard let name = context.parameters.get("name"), let folder = templates.folder(name) else { return notFound() }
            return html(templatePage(name: name, folder: folder, query: Self.query(request)))
        }
        router.get("/templates/{name}/pass.pkpass") { request, context in
            guard let name = context.parameters.get("name"), let folder = templates.folder(name) else { return notFound() }
            return try download(folder: folder, query: Self.query(request))
        }
        router.get("/templates/{name}/events") { request, context in
            guard let name = context.parameters.get("name"), let folder = templates.folder(name) else { return notFound() }
            return events(folder: folder, once: request.uri.queryParameters.get("once") != nil)
        }
        router.get("/inspect") { _, _ in html(StudioPages.page("Inspect a pass", Self.uploadForm)) }
        router.post("/inspect") { request, _ in try await inspect(request) }
        return router
    }

    // MARK: pages

    func index() -> String {
        var rows = ""
        for name in templates.names() {
            let folder = "\(templates.directory)/\(name)"
            let diagnostics = TemplateLinter.lint(directory: folder)
            let errors = diagnostics.filter { $0.severity == .error }.count
            let state = errors > 0 ? "<span class=\"bad\">\(errors) error(s)</span>" : "<span class=\"ok\">ok</span>"
            let loaded = try? PassTemplate.load(from: folder)
            let variants = (loaded?.manifest.variants?.keys.sorted() ?? []).joined(separator: ", ")
            let languages = Set((loaded?.files.keys ?? [:].keys).compactMap { $0.hasSuffix(".lproj/pass.strings") ? String($0.dropLast(19)) : nil }).sorted().joined(separator: ", ")
            rows += "<tr data-template=\"\(StudioPages.escape(name))\"><td><a href=\"/templates/\(Self.path(name))\">\(StudioPages.escape(name))</a></td><td>\(StudioPages.escape(loaded?.manifest.style?.rawValue ?? "?"))</td>"
                + "<td>\(StudioPages.escape(variants))</td><td>\(StudioPages.escape(languages))</td><td>\(state), \(diagnostics.count - errors) warning(s)</td></tr>"
        }
        let body = "<main class=\"studio\"><div class=\"panel\"><h2>Templates in \(StudioPages.escape(templates.directory))</h2>"
            + "<table><tr><th>template</th><th>style</th><th>variants</th><th>languages</th><th>lint</th></tr>\(rows)</table></div></main>"
        return StudioPages.page("Templates", body)
    }

    /// The drawing, the values form, the lint and the image slots of one template.
    func templatePage(name: String, folder: String, query: [String: String]) -> String {
        let diagnostics = TemplateLinter.lint(directory: folder)
        let template: PassTemplate
        do { template = try PassTemplate.load(from: folder) } catch {
            return StudioPages.page(name, "<main class=\"studio\">" + StudioPages.problem("\(name) cannot be loaded", error.description) + StudioPages.lint(diagnostics) + "</main>", script: Self.reload(name))
        }
        let variant = query["variant"].flatMap { $0.isEmpty ? nil : $0 } ?? template.manifest.defaultVariant
        let (values, valueProblems) = Self.values(template, query)
        var drawing: String
        do {
            let pass = try TemplateRenderer.render(template.passJSON(variant: variant), values: values, file: "pass.json")
            let preview = PassPreview(pass: pass, files: template.bundleFiles(variant: variant), language: query["lang"].flatMap { $0.isEmpty ? nil : $0 }, barcode: Self.barcode)
            drawing = "<div class=\"sides\" data-part=\"drawing\">\(preview.html())</div>"
        } catch {
            drawing = StudioPages.problem("The values do not render", error.description)
        }
        if !valueProblems.isEmpty { drawing += StudioPages.problem("Values not taken", valueProblems.joined(separator: "; ")) }
        let languages = Set(template.files.keys.compactMap { $0.hasSuffix(".lproj/pass.strings") ? String($0.dropLast(19)) : nil }).sorted()
        var form = "<form class=\"panel values\" method=\"get\" data-part=\"values\"><h2>Sample values</h2>"
        form += "<label>variant <select name=\"variant\">" + (template.manifest.variants?.keys.sorted() ?? []).map { v in
            "<option\(v == variant ? " selected" : "")>\(StudioPages.escape(v))</option>"
        }.joined() + "</select></label>"
        form += "<label>language <select name=\"lang\">" + languages.map { l in
            "<option\(l == query["lang"] ? " selected" : "")>\(StudioPages.escape(l))</option>"
        }.joined() + "</select></label>"
        for key in template.manifest.variables.keys.sorted() {
            let value = values[key].map(Self.text) ?? ""
            form += "<label>\(StudioPages.escape(key)) (\(template.manifest.variables[key]!.type.rawValue))<input name=\"v.\(StudioPages.escape(key))\" value=\"\(StudioPages.escape(value))\"></label>"
        }
        form += "<p><button>Draw</button> <a data-part=\"download\" href=\"/templates/\(Self.path(name))/pass.pkpass?\(Self.queryString(query))\">Download the signed .pkpass</a></p></form>"
        let body = "<main class=\"studio\">\(drawing)<div>\(form)\(StudioPages.lint(diagnostics))\(Self.slots(template, variant: variant))</div></main>"
        return StudioPages.page(name, body, script: Self.reload(name))
    }

    /// The template's values: its samples, with the form's `v.<name>` fields over them (typed by
    /// the declared variable); what does not fit its type is kept as the sample and named.
    static func values(_ template: PassTemplate, _ query: [String: String]) -> ([String: JSONValue], [String]) {
        var values = template.manifest.sampleValues
        var problems: [String] = []
        for (key, variable) in template.manifest.variables {
            guard let raw = query["v.\(key)"] else { continue }
            let candidate: JSONValue
            switch variable.type {
            case .integer: candidate = Int64(raw).map(JSONValue.integer) ?? .string(raw)
            case .number: candidate = Double(raw).map(JSONValue.number) ?? .string(raw)
            case .boolean: candidate = raw == "true" ? .bool(true) : raw == "false" ? .bool(false) : .string(raw)
            case .string, .date: candidate = .string(raw)
            }
            switch variable.coerce(candidate) {
            case .success(let v): values[key] = v
            case .failure(let mismatch): problems.append("\(key): expected \(mismatch.expected.rawValue), found \(mismatch.found)")
            }
        }
        return (values, problems)
    }

    static func text(_ v: JSONValue) -> String {
        switch v {
        case .string(let s): s
        case .integer(let n): String(n)
        case .number(let d): String(d)
        case .bool(let b): b ? "true" : "false"
        default: ""
        }
    }

    /// The style's image slots: the sizes Wallet wants, what the template has, what is missing or off.
    static func slots(_ template: PassTemplate, variant: String?) -> String {
        let files = template.bundleFiles(variant: variant)
        var rows = ""
        for slot in WalletImages.slots(style: template.manifest.style) {
            var cells = ""
            for scale in 1...3 {
                let file = scale == 1 ? "\(slot.name).png" : "\(slot.name)@\(scale)x.png"
                let want = "\(slot.width * scale)×\(slot.height * scale)"
                if let data = files[file], let info = PNGInfo(data) {
                    let fits = slot.fills ? (info.width == slot.width * scale && info.height == slot.height * scale) : (info.width <= slot.width * scale && info.height <= slot.height * scale)
                    cells += "<td class=\"\(fits ? "ok" : "bad")\">\(info.width)×\(info.height) (\(slot.fills ? "" : "≤ ")\(want))</td>"
                } else if files[file] != nil {
                    cells += "<td class=\"bad\">not a PNG</td>"
                } else {
                    cells += "<td class=\"\(slot.required ? "bad" : "")\">missing (\(slot.fills ? "" : "≤ ")\(want))</td>"
                }
            }
            rows += "<tr data-slot=\"\(slot.name)\"><th>\(slot.name)</th>\(cells)</tr>"
        }
        return "<div class=\"panel\" data-part=\"slots\"><h2>Images (px)</h2><table><tr><th></th><th>@1x</th><th>@2x</th><th>@3x</th></tr>\(rows)</table></div>"
    }

    /// Redraws the page when the server says the template changed; without JavaScript the page
    /// simply stays as drawn.
    static func reload(_ name: String) -> String {
        "<script>new EventSource('/templates/\(path(name))/events').addEventListener('change', function () { location.reload(); });</script>"
    }

    static func path(_ name: String) -> String {
        name.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/?#"))) ?? name
    }

    static func query(_ request: Request) -> [String: String] {
        Dictionary(request.uri.queryParameters.map { (String($0.key), String($0.value)) }, uniquingKeysWith: { first, _ in first })
    }

    static func queryString(_ query: [String: String]) -> String {
        query.sorted { $0.key < $1.key }.map {
            "\($0.key.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "."))) ?? "")=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"
        }.joined(separator: "&")
    }

    /// QR codes drawn for real (the encoder of the download links); other formats as labelled boxes.
    @Sendable public static func barcode(_ format: String, _ message: String) -> String? {
        guard format == "PKBarcodeFormatQR", let code = try? QRCode.encode(message) else { return nil }
        return code.svg(quietZone: 1, pixelsPerModule: 4, title: message)
    }

    // MARK: responses

    func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [
            .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
            // Inline styles and the one reload script; images are data: URIs; nothing from elsewhere.
            .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; connect-src 'self'; form-action 'self'",
        ], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    func notFound() -> Response {
        html(StudioPages.page("Not found", "<main class=\"studio\">" + StudioPages.problem("No such template", "The studio serves the templates in \(templates.directory) only.") + "</main>"), status: .notFound)
    }

    /// The signed `.pkpass` of what is on screen.
    func download(folder: String, query: [String: String]) throws -> Response {
        guard let signer else { return html(StudioPages.page("No credentials", StudioPages.problem("No signing credentials", "start the studio with credentials or the development certificates")), status: .serviceUnavailable) }
        do {
            let template = try PassTemplate.load(from: folder)
            let (values, problems) = Self.values(template, query)
            guard problems.isEmpty else { return html(StudioPages.page("Values", StudioPages.problem("Values not taken", problems.joined(separator: "; "))), status: .unprocessableContent) }
            let variant = query["variant"].flatMap { $0.isEmpty ? nil : $0 }
            let built = try PassFactory(template: template, signer: signer).build(PassRequest(values: values, variant: variant))
            return Response(status: .ok, headers: [
                .contentType: "application/vnd.apple.pkpass", .contentDisposition: "attachment; filename=\"\(template.name).pkpass\"",
            ], body: .init(byteBuffer: ByteBuffer(bytes: built.pkpass)))
        } catch {
            return html(StudioPages.page("Cannot build", "<main class=\"studio\">" + StudioPages.problem("The pass cannot be built", "\(error)") + "</main>"), status: .unprocessableContent)
        }
    }

    /// Server-sent events: `change` whenever a file of the template is saved, added or removed;
    /// with `once`, the stream ends after the first (for a script waiting for a save).
    func events(folder: String, once: Bool = false) -> Response {
        let interval = watchInterval
        let body = ResponseBody { writer in
            var last = StudioTemplates.fingerprint(folder)
            try await writer.write(ByteBuffer(string: ": watching\n\n"))
            var quiet = 0
            // Ends when the studio is stopped (Ctrl-C): an open page must not hold it up.
            while !Task.isCancelled, !Task.isShuttingDownGracefully {
                try await Task.sleep(for: interval)
                let now = StudioTemplates.fingerprint(folder)
                if now != last {
                    last = now
                    try await writer.write(ByteBuffer(string: "event: change\ndata: \(Date().timeIntervalSince1970)\n\n"))
                    if once { break }
                    quiet = 0
                } else {
                    quiet += 1
                    // A comment now and then finds a closed connection (its write fails) and ends the stream.
                    if quiet % 40 == 0 { try await writer.write(ByteBuffer(string: ": still watching\n\n")) }
                }
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-store"], body: body)
    }

    static let uploadForm = """
        <main class="studio"><form class="panel" method="post" action="/inspect" enctype="application/vnd.apple.pkpass" data-part="upload">\
        <h2>Inspect a pass</h2><p>Send a <code>.pkpass</code> as the request body (<code>Content-Type: application/vnd.apple.pkpass</code>), \
        e.g. <code>curl --data-binary @pass.pkpass -H 'Content-Type: application/vnd.apple.pkpass' http://127.0.0.1:8090/inspect</code>, \
        or upload it here.</p><input type="file" name="pass" accept=".pkpass"><button>Inspect</button></form></main>
        """

    /// A `.pkpass` drawn, with the verifier's report (signature, chain, manifest) and its lint.
    func inspect(_ request: Request) async throws -> Response {
        let bytes: [UInt8]
        do {
            let buffer = try await request.body.collect(upTo: Self.maxUpload)
            bytes = Array(buffer.readableBytesView)
        } catch {
            return html(StudioPages.page("Too large", "<main class=\"studio\">" + StudioPages.problem("The upload is too large", "at most \(Self.maxUpload >> 20) MB: a pass is a few hundred KB") + "</main>"), status: .contentTooLarge)
        }
        let pass = Self.pkpass(in: bytes, contentType: request.headers[.contentType])
        let archive: PassArchive
        do { archive = try PassArchive(bytes: pass) } catch {
            return html(StudioPages.page("Not a pass", "<main class=\"studio\">" + StudioPages.problem("Not a .pkpass", "the upload is not a zip archive: \(error)") + "</main>"), status: .badRequest)
        }
        let report = PassVerifier.verify(bytes: pass)
        var files: [String: [UInt8]] = [:]
        var passJSON: JSONValue?
        for entry in archive.entries where !entry.isDirectory {
            if entry.name == "pass.json" { passJSON = try? JSONValue(parsingLeniently: entry.data) } else { files[entry.name] = entry.data }
        }
        let drawing = passJSON.map { "<div class=\"sides\" data-part=\"drawing\">\(PassPreview(pass: $0, files: files, barcode: Self.barcode).html())</div>" }
            ?? StudioPages.problem("No pass.json", "the archive has no readable pass.json")
        let checks = report.checks.map { "<li class=\"\($0.level == .error ? "error" : $0.level == .warning ? "warning" : "")\">\(StudioPages.escape($0.description))</li>" }.joined()
        let verdict = report.isValid ? "<p class=\"ok\">The signature, chain and manifest check out.</p>" : "<p class=\"bad\">Wallet will refuse it.</p>"
        let body = "<main class=\"studio\">\(drawing)<div><div class=\"panel\" data-part=\"report\"><h2>Verifier</h2>\(verdict)<ul>\(checks)</ul></div>\(StudioPages.lint(archive.lint()))</div></main>"
        return html(StudioPages.page("Inspect", body))
    }

    /// The pass in a raw body, or the first file of a `multipart/form-data` upload.
    static func pkpass(in body: [UInt8], contentType: String?) -> [UInt8] {
        guard let contentType, contentType.hasPrefix("multipart/form-data"), let b = contentType.range(of: "boundary=") else { return body }
        let boundary = Array(("--" + contentType[b.upperBound...].trimmingCharacters(in: CharacterSet(charactersIn: "\""))).utf8)
        // The part's content starts after the blank line that ends its headers, and ends before the next boundary.
        guard let start = body.firstRange(of: boundary), let headersEnd = body[start.upperBound...].firstRange(of: Array("\r\n\r\n".utf8)) else { return body }
        let content = body[headersEnd.upperBound...]
        guard let end = content.firstRange(of: Array("\r\n".utf8) + boundary) else { return Array(content) }
        return Array(content[..<end.lowerBound])
    }
}
