import Bitrix24
import PassBuilder
import Core
import Foundation

/// How many contacts the connected Bitrix24 portal holds (`crm.contact.list`'s `total`), asked
/// at most every few minutes: a report is read far more often than the CRM's base changes.
actor CRMContactCount {
    private let ask: @Sendable () async throws -> Int64?
    private let ttl: TimeInterval
    private var cached: (value: Int64?, at: Date)?

    init(ttl: TimeInterval = 300, ask: @escaping @Sendable () async throws -> Int64?) {
        self.ask = ask
        self.ttl = ttl
    }

    /// The portal's contacts through the installed application, or else the incoming webhook;
    /// nil when neither is set up.
    init(bitrix24: Bitrix24Service) {
        self.init { [bitrix24] in
            let client: Bitrix24Client
            if let (_, app) = try await bitrix24.appClient(http: bitrix24.http) {
                client = app
            } else if let url = bitrix24.settings.webhookURL {
                client = Bitrix24Client(http: bitrix24.http, access: .webhook(url: url))
            } else {
                return nil
            }
            let page = try await client.call("crm.contact.list", ["select": .array([.string("ID")])])
            return page.total.map(Int64.init)
        }
    }

    /// The count, or nil without a CRM or when it did not answer (a report does not wait on it twice).
    func count(now: Date = Date()) async -> Int64? {
        if let cached, now.timeIntervalSince(cached.at) < ttl { return cached.value }
        let value = try? await ask()
        cached = (value ?? nil, now)
        return value ?? nil
    }
}
