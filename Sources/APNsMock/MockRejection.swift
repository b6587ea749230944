/// A request the mock refuses: the answer APNs would give and, for ``MockAPNsStats/protocolErrors``, what was wrong.
struct MockRejection: Sendable, Hashable, Error {
    var answer: MockAnswer
    /// What was wrong, without secrets (never a provider token; a device token only by length).
    var problem: String

    init(_ status: Int, _ reason: String, _ problem: String) {
        self.answer = MockAnswer(status: status, reason: reason)
        self.problem = problem
    }
}
