import Foundation
import PassBuilder

/// The studio's pages: plain HTML that works without JavaScript; the template page adds a few
/// lines that redraw it when a file of the template changes (server-sent events).
public enum StudioPages {
    static func escape(_ s: String) -> String { PassPreview.escape(s) }

    static let css = PassPreview.css + """
        body{margin:0;font:14px/1.4 -apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;background:#fafafa;color:#1c1c1e}\
        main.preview,main.studio{padding:16px 20px;display:flex;gap:24px;flex-wrap:wrap;align-items:flex-start}\
        nav{padding:10px 20px;background:#1c1c1e}nav a{color:#fff;margin-right:16px;text-decoration:none}\
        .panel{background:#fff;border-radius:10px;padding:12px 16px;box-shadow:0 1px 4px rgba(0,0,0,.12);max-width:520px}\
        .panel h2{font-size:15px;margin:4px 0 8px}.lint li.error{color:#c62828}.lint li.warning{color:#8a6d00}\
        table{border-collapse:collapse}td,th{border-bottom:1px solid #eee;padding:3px 8px;text-align:left;font-size:13px}\
        form.values label{display:block;font-size:12px;color:#555;margin-top:6px}form.values input{width:100%;box-sizing:border-box;padding:4px 6px}\
        .ok{color:#2e7d32}.bad{color:#c62828}
        """

    static func page(_ title: String, _ body: String, script: String = "") -> String {
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>\(escape(title)) · Passline studio</title><style>\(css)</style></head>"
            + "<body><nav><a href=\"/\">Templates</a><a href=\"/inspect\">Inspect a pass</a></nav>\(body)\(script)</body></html>"
    }

    /// The lint beside a drawing: each finding with its file and JSON path.
    public static func lint(_ diagnostics: [Diagnostic]) -> String {
        guard !diagnostics.isEmpty else { return "<div class=\"panel lint\" data-part=\"lint\"><h2>Lint</h2><p class=\"ok\">No findings: Wallet will take it.</p></div>" }
        return "<div class=\"panel lint\" data-part=\"lint\"><h2>Lint</h2><ul>" + diagnostics.map { d in
            "<li class=\"\(d.severity.rawValue)\" data-rule=\"\(d.rule.rawValue)\"><b>\(d.severity.rawValue)</b> \(escape(d.file))\(d.path.map { " <code>" + escape($0.description) + "</code>" } ?? ""): \(escape(d.message))</li>"
        }.joined() + "</ul></div>"
    }

    /// The error of a template that cannot be drawn, where the drawing would be.
    static func problem(_ title: String, _ message: String) -> String {
        "<div class=\"panel\" data-part=\"problem\"><h2>\(escape(title))</h2><p class=\"bad\">\(escape(message))</p></div>"
    }
}
