import Core
import Distribution
import Foundation
import Logging
import Loyalty
import Storage
import ServiceLifecycle
import Synchronization

/// Drains the SMS and webhook outboxes and turns ledger entries into opted-in notifications.
/// Started with the server; wakes when something is queued, and polls for what other servers
/// (on a shared PostgreSQL) queued and for retries falling due.
public final class DistributionWorker: Service, Sendable {
    public struct Options: Sendable {
        public var pollInterval: Duration = .seconds(2)
        /// How long a claimed message is held before another worker may take it (a crashed worker's).
        public var lease: TimeInterval = 60
        public var batch = 20
        public var retry = DeliveryRetry()
        /// Ledger entries younger than this are looked at again next time: on PostgreSQL a
        /// transaction can commit a lower id after a higher one was seen.
        public var settleSeconds: TimeInterval = 10
        public init() {}
    }

    let distribution: DistributionService
    let options: Options
    /// Set on graceful shutdown: the round in progress finishes, no new one starts.
    let stopping = Atomic<Bool>(false)

    public init(distribution: DistributionService, options: Options = Options()) {
        self.distribution = distribution
        self.options = options
    }

    var store: DistributionStore { distribution.store }
    var logger: Logger { distribution.logger }

    public func run() async throws {
        // Not cancelled on shutdown: messages being sent are recorded as sent, not sent twice.
        await withGracefulShutdownHandler {
            while !self.stopping.load(ordering: .relaxed) && !Task.isCancelled {
                await self.runOnce()
                await self.distribution.wakeup.wait(timeout: self.options.pollInterval)
            }
        } onGracefulShutdown: {
            self.stopping.store(true, ordering: .relaxed)
            self.distribution.wakeup.signal()
        }
    }

    /// One round: notifications, then every due message and webhook. Errors are logged and the
    /// round ends; the next one retries.
    public func runOnce(now: @escaping @Sendable () -> Date = Date.init) async {
        do {
            try await queueNotifications(now: now())
            while !stopping.load(ordering: .relaxed) {
                let claimed = try await store.claimDueSms(now: now(), lease: options.lease, limit: options.batch)
                if claimed.isEmpty { break }
                await withTaskGroup(of: Void.self) { group in
                    for message in claimed { group.addTask { await self.deliver(message, now: now) } }
                }
            }
            while !stopping.load(ordering: .relaxed) {
                let claimed = try await store.claimDueWebhooks(now: now(), lease: options.lease, limit: options.batch)
                if claimed.isEmpty { break }
                await withTaskGroup(of: Void.self) { group in
                    for hook in claimed { group.addTask { await self.deliver(hook, now: now) } }
                }
            }
        } catch is CancellationError {
        } catch {
            logger.error("distribution worker: \(error)")
        }
    }

    func deliver(_ message: SmsRecord, now: @escaping @Sendable () -> Date) async {
        let outcome: DeliveryOutcome
        if let deadline = message.deadline, now() >= deadline {
            outcome = .expired
        } else {
            do {
                let receipt = try await distribution.gateway.send(SmsMessage(to: message.phone, text: message.text, sender: message.sender))
                outcome = .sent(provider: distribution.gateway.name, providerID: receipt.providerMessageID)
            } catch let error as SmsGatewayError {
                switch options.retry.next(afterAttempt: message.attempts, retryable: error.isRetryable, now: now(), deadline: message.deadline, jitter: Double.random(in: 0...1)) {
                case .retry(let at): outcome = .retry(at: at, error: error.description, status: nil)
                case .giveUp: outcome = .failed(error: error.description, status: nil)
                }
            } catch is CancellationError {
                return  // shutting down: the lease runs out and another round sends it
            } catch {
                outcome = .failed(error: "\(error)", status: nil)
            }
        }
        if case .failed(let why, _) = outcome { logger.warning("SMS \(message.id) (\(message.kind)) failed: \(why)") }
        await record { [store] in try await store.complete(smsID: message.id, outcome, now: now()) }
    }

    func deliver(_ hook: WebhookRecord, now: @escaping @Sendable () -> Date) async {
        let body = Array(hook.body.utf8)
        let request = OutboundRequest(
            method: "POST", url: hook.url,
            headers: [("Content-Type", "application/json"), (WebhookSignature.header, distribution.webhookSigner.sign(body, timestamp: Int64(now().timeIntervalSince1970.rounded(.down)))), ("X-Passline-Event", hook.event)],
            body: body, timeout: .seconds(10))
        let outcome: DeliveryOutcome
        do {
            let response = try await distribution.http.send(request)
            if (200..<300).contains(response.status) {
                outcome = .sent(provider: request.redactedURL, providerID: nil)
            } else {
                let retryable = response.status == 408 || response.status == 429 || response.status >= 500
                switch options.retry.next(afterAttempt: hook.attempts, retryable: retryable, now: now(), jitter: Double.random(in: 0...1)) {
                case .retry(let at): outcome = .retry(at: at, error: "HTTP \(response.status)", status: response.status)
                case .giveUp: outcome = .failed(error: "HTTP \(response.status)", status: response.status)
                }
            }
        } catch let error as OutboundHTTPError {
            switch options.retry.next(afterAttempt: hook.attempts, retryable: error.isRetryable, now: now(), jitter: Double.random(in: 0...1)) {
            case .retry(let at): outcome = .retry(at: at, error: error.description, status: nil)
            case .giveUp: outcome = .failed(error: error.description, status: nil)
            }
        } catch {
            return  // cancelled: the lease runs out and another round sends it
        }
        if case .failed(let why, _) = outcome { logger.warning("webhook \(hook.id) (\(hook.event)) to \(request.redactedURL) failed: \(why)") }
        await record { [store] in try await store.complete(webhookID: hook.id, outcome, now: now()) }
    }

    /// Records a delivery's outcome even if the worker is being cancelled: a message that went
    /// out must not be sent again when its lease runs out.
    func record(_ write: @escaping @Sendable () async throws -> Void) async {
        do { try await Task.detached(operation: write).value } catch {
            logger.error("distribution worker: recording a delivery failed: \(error)")
        }
    }

    /// Queues a notification for each new accrual, purchase or debit the program opts into.
    /// Entries are followed with a cursor that stops short of entries younger than
    /// ``Options/settleSeconds``; those are seen again, and the outbox keeps one message per entry.
    func queueNotifications(now: Date) async throws {
        let sms = distribution.sms
        guard let cursor = try await store.notificationCursor() else {
            // First run: start from here, not with the whole history.
            try await store.setNotificationCursor(try await store.latestEntryID())
            return
        }
        guard sms.notifyAccrual || sms.notifyDebit else {
            // Off: keep up, so switching on later does not send old news.
            let latest = try await store.latestEntryID()
            if latest > cursor { try await store.setNotificationCursor(latest) }
            return
        }
        let entries = try await store.entries(after: cursor, limit: 500)
        var settled = cursor
        var blocked = false
        let templates = distribution.templates
        let locale = distribution.locale
        for item in entries {
            let entry = item.entry
            if !blocked && entry.createdAt.timeIntervalSince1970 <= now.timeIntervalSince1970 - options.settleSeconds {
                settled = entry.id
            } else {
                blocked = true
            }
            let kind: MessageKind
            switch entry.kind {
            case .accrual where sms.notifyAccrual, .purchase where sms.notifyAccrual: kind = .accrual
            case .debit where sms.notifyDebit: kind = .debit
            default: continue
            }
            let text = templates.render(kind, locale: locale, values: MessageValues(
                balance: entry.balanceAfter, points: abs(entry.points), order: entry.comment, name: item.cardName, program: distribution.loyalty.program.name))
            do {
                _ = try await store.enqueueSms(
                    NewSms(phone: item.phone, kind: kind.rawValue, text: text, sender: sms.sender, cardNumber: entry.cardNumber, entryID: entry.id),
                    budget: distribution.budget(now), now: now)
            } catch let error as DistributionStoreError {
                // Over budget: this notification is dropped (not queued for later: it would be stale).
                logger.warning("notification for ledger entry \(entry.id) not sent: \(error)")
            }
        }
        if settled > cursor { try await store.setNotificationCursor(settled) }
    }
}
