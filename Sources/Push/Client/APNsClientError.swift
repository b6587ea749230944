/// Why an ``APNsClient`` refuses to start. Each names what is wrong and where.
public enum APNsClientError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The configuration is unusable (bad URL, non-positive limits…).
    case invalidConfiguration(String)
    /// The credentials for `topic` can't be read.
    case invalidCredentials(topic: String, detail: String)
    /// The certificate for `topic` is for other topics: APNs would refuse every push.
    case certificateTopicMismatch(topic: String, certificateTopics: [String], subject: String)
    /// The certificate for `topic` names no topic at all (no subject UID).
    case certificateWithoutTopic(topic: String, subject: String)

    public var description: String {
        switch self {
        case .invalidConfiguration(let detail):
            "APNs client configuration: \(detail)"
        case .invalidCredentials(let topic, let detail):
            topic.isEmpty ? "APNs credentials: \(detail)" : "APNs credentials for \(topic): \(detail)"
        case .certificateTopicMismatch(let topic, let certificateTopics, let subject):
            "the APNs certificate configured for \(topic) (subject \(subject)) is for "
                + "\(certificateTopics.joined(separator: ", ")), not \(topic)"
        case .certificateWithoutTopic(let topic, let subject):
            "the APNs certificate configured for \(topic) (subject \(subject)) names no topic: "
                + "its subject has no UID; is it a Pass Type ID certificate?"
        }
    }
}
