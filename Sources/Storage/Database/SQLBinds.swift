/// Bind values of one statement, numbered as they are added (`$1`, `$2`, …). A fragment that adds
/// its own values (a ``PassSelection``) gets placeholders after the caller's, so SQL and binds
/// are built together and no caller counts placeholders by hand.
struct SQLBinds {
    var values: [SQLValue] = []

    /// Appends a value and returns its placeholder.
    mutating func add(_ value: SQLValue) -> String {
        values.append(value)
        return "$\(values.count)"
    }
}
