/// Credentials that cannot be used, with the file and the reason.
public struct CredentialError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String?
    public var message: String

    public init(file: String? = nil, _ message: String) {
        self.file = file
        self.message = message
    }

    public var description: String { file.map { "\($0): \(message)" } ?? message }
}
