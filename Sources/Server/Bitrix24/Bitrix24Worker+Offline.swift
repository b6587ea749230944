import Bitrix24
import Core
import Foundation
import PassBuilder
import Storage

/// Offline events: online events are never repeated, so the portal also keeps the latest event
/// per object in a queue the app collects. Collected without clearing, put in the inbox (where
/// they coalesce with the online copies), then cleared: a crash in between collects them again,
/// and acting twice on an event changes nothing (the ledger's business keys, the fields' compare).
extension Bitrix24Worker {
    /// Collects one page of offline events; true when there were any.
    func collectOfflineEvents(_ client: Bitrix24Client, _ bucket: inout TokenBucket) async throws -> Bool {
        await pace(&bucket)
        let page: JSONValue
        do {
            page = try await client.call("event.offline.get", ["clear": .integer(0), "limit": .integer(Int64(batch))]).result
        } catch {
            logger.notice("Bitrix24 offline events not collected; retrying later", metadata: ["error": "\(error)"])
            return false
        }
        let events = page["events"]?.arrayValue ?? []
        guard !events.isEmpty else { return false }
        var items: [NewPortalQueueItem] = []
        for event in events {
            guard let name = event["EVENT_NAME"]?.stringValue.flatMap({ CRMEventName(rawValue: $0.uppercased()) }),
                  let id = CRMFields.id(event["EVENT_DATA"]?["FIELDS"]?["ID"])
            else { continue }
            items.append(Bitrix24Service.eventItem(name, id: id))
        }
        try await store.enqueue(.inbox, items)
        service.queued.signal()
        var clear: [String: JSONValue] = ["id": .array(events.compactMap { $0["ID"] })]
        if let process = page["process_id"] { clear["process_id"] = process }
        await pace(&bucket)
        do {
            _ = try await client.call("event.offline.clear", clear)
        } catch {
            // They come back at the next collection, and coalesce with what waits.
            logger.notice("Bitrix24 offline events not cleared", metadata: ["error": "\(error)"])
        }
        return true
    }
}
