import Bitrix24
import Core
import Foundation
import Logging
import PassBuilder
import ServiceLifecycle
import Storage

/// Acts on robot calls (answering each through the outbox) and sends the outbox to the portal: paced to the portal's limit, retried with back-off when the
/// portal is busy or down (nothing is lost while it is: the rows wait), tokens refreshed by the
/// client. Wakes when something is queued, and polls for retries falling due.
struct Bitrix24Worker: Service {
    let service: Bitrix24Service
    let actions: Bitrix24Actions
    let http: any OutboundHTTPClient
    let logger: Logger
    var pollInterval: Duration = .seconds(2)
    /// Without an installed portal there is nothing to send: look rarely (an install on this
    /// server wakes the worker at once; one on another server is seen within this).
    var idleInterval: Duration = .seconds(30)
    var lease = Lease(seconds: 120)
    var backoff = Backoff(base: .seconds(2), cap: .seconds(600), jitter: .proportional(0.2))
    var batch = 50

    var store: Bitrix24Store { service.store }

    func run() async throws {
        // On shutdown the call in flight is cut; its row's lease brings it back after a restart.
        try await cancelWhenGracefulShutdown { try await drain() }
    }

    private func drain() async throws {
        var bucket = TokenBucket(rate: service.settings.rate, burst: service.settings.burst)
        while !Task.isCancelled {
            switch await round(&bucket) {
            case .worked: continue
            case .idle: _ = await service.queued.wait(timeout: pollInterval)
            case .notInstalled: _ = await service.queued.wait(timeout: idleInterval)
            }
        }
    }

    enum Round { case worked, idle, notInstalled }

    /// One round: robot calls acted on, then the outbox sent.
    private func round(_ bucket: inout TokenBucket) async -> Round {
        let portal: Bitrix24Portal?
        do { portal = try await store.portal() } catch {
            logger.error("Bitrix24 portal read failed; retrying", metadata: ["error": "\(error)"])
            return .idle
        }
        guard let portal else { return .notInstalled }
        let app = service.settings.app ?? OAuthApp(clientID: "", clientSecret: "", serverURL: service.settings.oauthURL)
        let client = Bitrix24Client(http: http, access: .app(app, StoredPortalTokens(store: store, sealer: service.sealer, memberID: portal.memberID)))
        var worked = Round.idle
        do {
            let calls = try await store.claim(.inbox, kinds: RobotCode.allCases.map(\.rawValue), now: Date(), lease: lease, limit: batch)
            for item in calls { await act(item, portal: portal, client: client) }
            let sends = try await store.claim(.outbox, now: Date(), lease: lease, limit: batch)
            for item in sends {
                let wait = bucket.take(now: .now)
                if wait > .zero { try? await Task.sleep(for: wait) }
                try await store.complete(.outbox, id: item.id, await send(item, client))
            }
            if !calls.isEmpty || !sends.isEmpty { worked = .worked }
        } catch {
            logger.error("Bitrix24 queues failed; retrying", metadata: ["error": "\(error)"])
        }
        return worked
    }

    /// Acts on one robot call and queues its answer, in the transaction that marks it done; a
    /// portal or database that cannot be reached now leaves it for a retry.
    func act(_ item: PortalQueueItem, portal: Bitrix24Portal, client: Bitrix24Client) async {
        guard let json = try? JSONValue(parsing: Array(item.payload.utf8)), let robot = RobotCode(rawValue: item.kind),
              let token = json["event_token"]?.stringValue, let document = try? CRMDocument(json["document"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        else {
            try? await store.complete(.inbox, id: item.id, .failed(error: "the queued robot call cannot be read"))
            return
        }
        let call = RobotCall(
            robot: robot, workflowID: json["workflow"]?.stringValue ?? "", document: document, eventToken: token,
            properties: (json["properties"]?.objectValue ?? [:]).compactMapValues(\.stringValue),
            auth: InboundAuth(memberID: portal.memberID, domain: portal.domain, applicationToken: portal.applicationToken))
        do {
            let values: [String: JSONValue]
            do {
                values = try await actions.perform(try RobotInput(call), on: document, client: client)
            } catch let refusal as Bitrix24InputError {
                values = ["error": .string(refusal.description)]
            }
            try await store.complete(.inbox, id: item.id, .done, answers: [Bitrix24Service.answer(token, values)])
            service.queued.signal()
        } catch {
            logger.notice("Bitrix24 robot call deferred", metadata: ["robot": "\(robot.rawValue)", "error": "\(error)", "attempt": "\(item.attempts)"])
            try? await store.complete(.inbox, id: item.id, .retry(at: retryAt(item.attempts), error: "\(error)"))
        }
    }

    func retryAt(_ attempts: Int) -> Date {
        Date().addingTimeInterval(Double(backoff.delay(retry: attempts - 1, unit: .random(in: 0...1)).wholeNanoseconds) / 1e9)
    }

    /// One call, and what becomes of its row.
    func send(_ item: PortalQueueItem, _ client: Bitrix24Client) async -> PortalQueueOutcome {
        guard let params = (try? JSONValue(parsing: Array(item.payload.utf8)))?.objectValue else {
            return .failed(error: "the queued parameters are not a JSON object")
        }
        do {
            _ = try await client.call(item.kind, params)
            return .done
        } catch {
            let retryAt = retryAt(item.attempts)
            switch error.disposition {
            case .retry, .refreshToken:
                logger.notice("Bitrix24 call deferred", metadata: ["method": "\(item.kind)", "error": "\(error)", "attempt": "\(item.attempts)"])
                return .retry(at: retryAt, error: error.description)
            case .disconnected:
                // Kept for when the portal takes the app back (a renewed licence, a re-install).
                logger.warning("Bitrix24 refuses the application's tokens; calls wait", metadata: ["method": "\(item.kind)", "error": "\(error)"])
                return .retry(at: Date().addingTimeInterval(Double(backoff.cap.wholeNanoseconds) / 1e9), error: error.description)
            case .fail:
                if case .portal(_, let refusal) = error, Bitrix24Registration.alreadyDone(refusal) { return .done }
                logger.error("Bitrix24 refused a call", metadata: ["method": "\(item.kind)", "error": "\(error)"])
                return .failed(error: error.description)
            }
        }
    }
}
