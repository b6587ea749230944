import Distribution
import Loyalty

/// The texts of a program sent to `PUT /api/v1/program`, checked in code points and bytes as
/// well as characters (the program's own validation counts characters), and its SMS texts in
/// parts: each must stay within ``SmsText/maximumParts`` with the longest values the server puts
/// in. Every refusal is a 422 naming the text's JSON path.
enum ProgramTexts {
    static func check(_ program: LoyaltyProgram) throws(APIError) {
        var texts: [(field: String, text: String, characters: Int)] = [("name", program.name, 100)]
        for (i, tier) in program.tiers.enumerated() { texts.append(("tiers[\(i)].name", tier.name, 64)) }
        if let join = program.join {
            texts.append(("join.policyURL", join.policyURL, 500))
            if let title = join.title { texts.append(("join.title", title, 100)) }
        }
        let templates = program.sms?.templates ?? [:]
        for (locale, kinds) in templates.sorted(by: { $0.key < $1.key }) {
            for (kind, text) in kinds.sorted(by: { $0.key < $1.key }) {
                texts.append(("sms.templates.\(locale).\(kind)", text, MessageTemplateText.maximumLength))
            }
        }
        for t in texts { try TextLimit(characters: t.characters).validate(t.text, field: t.field) }
        // Only the program's own texts can be over: the built-in ones are short.
        let over = MessageTemplates(overrides: templates).oversizedTexts(program: program.name)
        if let (field, parts) = over.sorted(by: { $0.key < $1.key }).first {
            throw APIError.unprocessable(
                "\(field) would be sent as \(parts) SMS parts with the longest values the server fills in; at most \(SmsText.maximumParts)", field: field)
        }
    }
}
