import Bitrix24
import Core
import Foundation
import PassBuilder
import Storage

/// Sending the outbox: one call for one item, a `batch` of up to 50 for more (one request against
/// the portal's limit instead of fifty). The portal answers a batch with HTTP 200 and each
/// command's error apart, so each row gets its own outcome.
extension Bitrix24Worker {
    func send(_ items: [PortalQueueItem], _ client: Bitrix24Client, _ bucket: inout TokenBucket) async {
        var calls: [(item: PortalQueueItem, params: [String: JSONValue])] = []
        for item in items {
            guard let params = (try? JSONValue(parsing: Array(item.payload.utf8)))?.objectValue else {
                try? await store.complete(.outbox, id: item.id, .failed(error: "the queued parameters are not a JSON object"))
                continue
            }
            calls.append((item, params))
        }
        guard !calls.isEmpty else { return }
        await pace(&bucket)
        let outcomes: [PortalQueueOutcome]
        if calls.count == 1 {
            let (item, params) = calls[0]
            outcomes = [await outcome(item) { () async throws(Bitrix24CallError) in _ = try await client.call(item.kind, params) }]
        } else {
            outcomes = await batch(calls, client)
        }
        for (call, outcome) in zip(calls, outcomes) {
            do { try await store.complete(.outbox, id: call.item.id, outcome) } catch {
                // The lease brings the row back; the call is repeated (robot answers and
                // registrations are idempotent at the portal, field updates rewrite the same values).
                logger.error("Bitrix24 outbox row not recorded", metadata: ["method": "\(call.item.kind)", "error": "\(error)"])
            }
        }
    }

    /// One `batch` call (`halt=0`) for the calls; each command's outcome.
    func batch(_ calls: [(item: PortalQueueItem, params: [String: JSONValue])], _ client: Bitrix24Client) async -> [PortalQueueOutcome] {
        var commands: [String: JSONValue] = [:]
        for (i, call) in calls.enumerated() {
            commands["c\(i)"] = .string(call.item.kind + "?" + FormFields.query(call.params))
        }
        let reply: Bitrix24Client.Page
        do {
            reply = try await client.call("batch", ["halt": .integer(0), "cmd": .object(commands)])
        } catch {
            // The whole call failed (limit, token, network): every row shares its fate.
            return calls.map { failure($0.item, error) }
        }
        let errors = reply.result["result_error"]?.objectValue ?? [:]
        return calls.enumerated().map { i, call in
            guard let error = errors["c\(i)"] else { return .done }
            let refusal = Bitrix24Error(
                status: 400, code: error["error"]?.stringValue ?? "", description: error["error_description"]?.stringValue ?? "")
            return failure(call.item, .portal(method: call.item.kind, refusal))
        }
    }

    func outcome(_ item: PortalQueueItem, _ call: () async throws(Bitrix24CallError) -> Void) async -> PortalQueueOutcome {
        do {
            try await call()
            return .done
        } catch {
            return failure(item, error)
        }
    }

    /// What becomes of a row whose call failed.
    func failure(_ item: PortalQueueItem, _ error: Bitrix24CallError) -> PortalQueueOutcome {
        switch error.disposition {
        case .retry, .refreshToken:
            logger.notice("Bitrix24 call deferred", metadata: ["method": "\(item.kind)", "error": "\(error)", "attempt": "\(item.attempts)"])
            return .retry(at: retryAt(item.attempts), error: error.description)
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
