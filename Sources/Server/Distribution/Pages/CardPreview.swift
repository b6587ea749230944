import Distribution
import Foundation
import PassBuilder
import Storage

/// What the pages show of cards and their link: a preview in the pass's colours, the QR code.
enum CardPreview {
    /// Mustache values for `cards` (each in its tier's colours and logo).
    static func cards(_ cards: [CardRecord], loyalty: LoyaltyService) -> [[String: Any]] {
        let program = loyalty.program
        let template = try? loyalty.passes.factory(loyalty.template).template
        return cards.map { card in
            let tier = program.tier(card.tier)
            let pass = template?.passJSON(variant: tier?.variant)
            let variantFiles = tier?.variant.flatMap { template?.variantFiles[$0] } ?? [:]
            let logo = variantFiles["logo@2x.png"] ?? template?.files["logo@2x.png"] ?? template?.files["logo.png"]
            var values: [String: Any] = [
                "name": card.name, "number": card.number, "points": String(card.balance), "tier": tier?.name ?? card.tier, "program": program.name,
                "background": color(pass?["backgroundColor"]?.stringValue, fallback: "rgb(38, 50, 56)"),
                "foreground": color(pass?["foregroundColor"]?.stringValue, fallback: "rgb(255, 255, 255)"),
                "label": color(pass?["labelColor"]?.stringValue, fallback: "rgb(200, 200, 200)"),
            ]
            if let logo { values["logo"] = Data(logo).base64EncodedString() }
            return values
        }
    }

    /// A pass colour (`rgb(r, g, b)`) safe to put in a style attribute, or the fallback.
    static func color(_ text: String?, fallback: String) -> String {
        guard let text, text.hasPrefix("rgb("), text.hasSuffix(")") else { return fallback }
        let parts = text.dropFirst(4).dropLast().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 3, parts.allSatisfy({ Int($0).map { (0...255).contains($0) } ?? false }) else { return fallback }
        return "rgb(\(parts.joined(separator: ", ")))"
    }

    /// The link's QR code as inline SVG.
    static func qr(_ url: String) -> String {
        (try? QRCode.encode(url, errorCorrection: .medium).svg(pixelsPerModule: 6, title: url)) ?? ""
    }

    /// The values of the download part of a page: the button, the QR code, the URL.
    static func download(url: String) -> [String: Any] {
        ["url": url, "downloadURL": url + "?download=1", "qrSVG": qr(url)]
    }
}
