import NIOCore

/// Which timeout an HTTP/1 connection is under, as a plain state machine (tested apart from the
/// network), fed by what crosses the pipeline behind the request decoder.
///
/// * **Idle**: nothing is being read and no response is owed. The connection may stay open for
///   `idleTimeout` (keep-alive), then it is closed (RFC 9112 §9.8: a server may close an idle
///   connection; clients retry idempotent requests on a new one, §9.3.1).
/// * **Reading**: a request has begun to arrive (its first bytes, or its head); all of it, head
///   and body, must arrive within `readTimeout` of that, or it is answered 408 Request Timeout
///   and the connection closed (RFC 9110 §15.5.9). Slow headers are caught too: bytes that
///   complete no head yet arrive as a read with no request part.
/// * **Working**: every request read, a response still owed: the wait is the server's, no timeout.
struct ConnectionTimeoutState: Sendable, Hashable {
    let idleTimeout: TimeAmount
    let readTimeout: TimeAmount
    /// Requests whose head arrived and whose response has not ended.
    private(set) var open = 0
    /// When the request being read began to arrive; nil between requests.
    private(set) var readingSince: NIODeadline?
    /// The head of the request being read has arrived (it counts in ``open``).
    private(set) var readingHead = false
    /// A response has begun and not ended.
    private(set) var responding = false
    /// Since when nothing is read or owed (meaningful only while idle).
    private(set) var idleSince: NIODeadline
    /// A request part arrived in the current read burst.
    private var partsThisRead = false
    /// The connection timed out: it is being closed, nothing more happens.
    private(set) var expired = false

    init(idleTimeout: TimeAmount, readTimeout: TimeAmount, now: NIODeadline) {
        self.idleTimeout = idleTimeout
        self.readTimeout = readTimeout
        idleSince = now
    }

    /// When the connection times out if nothing changes; nil while the server works on a request.
    var deadline: NIODeadline? {
        if expired { return nil }
        if let since = readingSince { return since + readTimeout }
        return open > 0 ? nil : idleSince + idleTimeout
    }

    mutating func head(now: @autoclosure () -> NIODeadline) {
        open += 1
        partsThisRead = true
        readingHead = true
        if readingSince == nil { readingSince = now() }
    }

    mutating func bodyPart() {
        partsThisRead = true
    }

    mutating func end(now: @autoclosure () -> NIODeadline) {
        partsThisRead = true
        readingSince = nil
        readingHead = false
        if open == 0 { idleSince = now() }
    }

    /// A read burst ended. Without a request part in it, the bytes began a head the decoder
    /// holds until it is complete: a request is arriving.
    mutating func readComplete(now: @autoclosure () -> NIODeadline) {
        if !partsThisRead && readingSince == nil { readingSince = now() }
        partsThisRead = false
    }

    mutating func responseHead() {
        responding = true
    }

    mutating func responseEnd(now: @autoclosure () -> NIODeadline) {
        responding = false
        if open > 0 { open -= 1 }
        if open == 0 && readingSince == nil { idleSince = now() }
    }

    /// What to do when a timer set for ``deadline`` fires.
    enum Expiry: Sendable, Hashable {
        /// Not yet (the deadline moved): wait until then.
        case wait(until: NIODeadline)
        /// No timeout applies now.
        case nothing
        /// Close: idle too long, or a request too slow whose answer cannot be a 408 (a response
        /// for an earlier request, or for this one, is already under way).
        case close
        /// Answer 408 Request Timeout, then close.
        case requestTimeout
    }

    mutating func timerFired(now: NIODeadline) -> Expiry {
        guard let deadline else { return .nothing }
        guard now >= deadline else { return .wait(until: deadline) }
        expired = true
        guard readingSince != nil else { return .close }
        // A 408 may go out only as the next response: none owed before this request, none begun for it.
        let owedBefore = open - (readingHead ? 1 : 0)
        return owedBefore == 0 && !responding ? .requestTimeout : .close
    }
}
