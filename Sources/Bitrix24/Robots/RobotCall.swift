import Foundation

/// A robot's call to its handler (form-encoded): which robot, on which document, the values of
/// its properties (already substituted by the portal), and the `event_token` to answer with
/// through `bizproc.event.send`.
public struct RobotCall: Sendable, Hashable {
    public var robot: RobotCode
    public var workflowID: String
    public var document: CRMDocument
    public var eventToken: String
    public var properties: [String: String]
    public var auth: InboundAuth
    /// When the business process stops waiting for the answer (the call's `ts` plus its
    /// `timeout_duration`), after which its event token is refused; nil: it waits as long as it takes.
    public var deadline: Date?

    public init(
        robot: RobotCode, workflowID: String, document: CRMDocument, eventToken: String, properties: [String: String], auth: InboundAuth, deadline: Date? = nil
    ) {
        self.deadline = deadline
        self.robot = robot
        self.workflowID = workflowID
        self.document = document
        self.eventToken = eventToken
        self.properties = properties
        self.auth = auth
    }

    public init(_ form: FormFields) throws(Bitrix24InputError) {
        auth = try InboundAuth(form)
        guard let code = form["code"], !code.isEmpty else { throw .missing("code") }
        guard let robot = RobotCode(rawValue: code) else { throw Bitrix24InputError("code", "\(code) is not one of this app's robots") }
        self.robot = robot
        guard let workflow = form["workflow_id"], !workflow.isEmpty else { throw .missing("workflow_id") }
        workflowID = workflow
        guard let token = form["event_token"], !token.isEmpty else { throw .missing("event_token") }
        eventToken = token
        document = try CRMDocument(form.list("document_id"))
        properties = Dictionary(form.members("properties").map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
        switch (form["ts"].flatMap { Int64($0) }, form["timeout_duration"].flatMap { Int64($0) }) {
        case (let ts?, let timeout?) where timeout > 0: deadline = Date(timeIntervalSince1970: TimeInterval(ts + timeout))
        default: deadline = nil
        }
    }

    /// Whether the business process has stopped waiting for the answer.
    public func expired(now: Date) -> Bool {
        deadline.map { $0 <= now } ?? false
    }
}
