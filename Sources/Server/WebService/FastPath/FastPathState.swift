/// Which requests on one HTTP/1 connection the cached-pass fast path may answer, as a plain
/// state machine (tested apart from the network).
///
/// Responses must leave in request order. A request handed to the application is answered
/// asynchronously, so while one is outstanding every later request is handed on too (clients
/// may pipeline); once its response has ended, the fast path may answer again. The parts of a
/// request the fast path answered (a body, the end) are dropped.
struct FastPathState: Sendable, Hashable {
    /// Requests handed to the application whose responses have not ended.
    private(set) var outstanding = 0
    /// Inside a request the fast path answered: its remaining parts are dropped.
    private(set) var swallowing = false

    enum Action: Sendable, Hashable {
        /// Hand the part on to the application.
        case forward
        /// Drop the part: its request was answered here.
        case drop
    }

    /// Whether a request whose head arrives now may be answered here.
    var mayAnswer: Bool { outstanding == 0 && !swallowing }

    /// A request head arrived and was answered here (only when ``mayAnswer``).
    mutating func answered() {
        precondition(mayAnswer, "the fast path answered out of turn")
        swallowing = true
    }

    /// A request head arrived and goes to the application.
    mutating func forwarded() -> Action {
        outstanding += 1
        return .forward
    }

    /// A body part or the end of the current request arrived.
    mutating func requestPart(isEnd: Bool) -> Action {
        guard swallowing else { return .forward }
        if isEnd { swallowing = false }
        return .drop
    }

    /// The application finished writing a response.
    mutating func responseEnded() {
        if outstanding > 0 { outstanding -= 1 }
    }
}
