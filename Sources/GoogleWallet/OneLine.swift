/// `text` made fit for a one-line error message: control characters become spaces, and it is cut
/// to `limit` characters (an error body can be anything).
func oneLine(_ text: some StringProtocol, limit: Int = 200) -> String {
    var out = String(text.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : Character($0) })
    if out.count > limit { out = String(out.prefix(limit)) + "…" }
    return out
}
