/// What a request to the mock asked for, for counting.
public enum MockRequestKind: String, Sendable, Hashable, CaseIterable {
    case token
    case classInsert, classGet, classUpdate, classPatch
    case objectInsert, objectGet, objectUpdate, objectPatch
    case addMessage
    /// A path or method the mock does not serve.
    case other
}
