import X509

/// The APNs topics a Pass Type ID certificate may push to, read from its subject.
struct CertificateTopics: Sendable, Hashable {
    /// The subject UID attribute's OID (0.9.2342.19200300.100.1.1), where Apple puts the pass type ID.
    static let userIDOID = "0.9.2342.19200300.100.1.1"

    /// The topics, in the order the subject lists them.
    var topics: [String]
    /// The subject, for error messages.
    var subject: String

    /// Parses the leaf certificate `der`.
    init(leafDER der: [UInt8], topic: String) throws(APNsClientError) {
        let certificate: Certificate
        do {
            certificate = try Certificate(derEncoded: der)
        } catch {
            throw .invalidCredentials(topic: topic, detail: "the leaf certificate is not valid DER: \(error)")
        }
        var topics: [String] = []
        for rdn in certificate.subject {
            for attribute in rdn where attribute.type.description == Self.userIDOID {
                topics.append(String(describing: attribute.value))
            }
        }
        self.topics = topics
        self.subject = String(describing: certificate.subject)
    }

    /// Checks that the certificate is for `topic`.
    func check(covers topic: String) throws(APNsClientError) {
        if topics.isEmpty { throw .certificateWithoutTopic(topic: topic, subject: subject) }
        if !topics.contains(topic) {
            throw .certificateTopicMismatch(topic: topic, certificateTopics: topics, subject: subject)
        }
    }
}
