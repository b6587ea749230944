// The hourly SMS budget: SMS-pumping fraud (bots requesting codes to premium numbers) costs real
// money per message part, so every message counts its parts (``SmsText/parts``, what providers
// bill) against a per-hour allowance kept in the database.

import Foundation

/// The rules of the hourly SMS budget; the counting itself is an atomic database update.
public enum SmsBudget {
    /// The budget window a moment falls in: whole hours since 1970 (UTC).
    public static func window(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 / 3600).rounded(.down))
    }

    /// When the window of `date` ends (the next hour): when sending may resume.
    public static func windowEnd(_ date: Date) -> Date {
        Date(timeIntervalSince1970: TimeInterval(window(date) + 1) * 3600)
    }

    /// Whether a message of `parts` parts fits when `used` parts were sent in the window.
    public static func allows(used: Int64, parts: Int, limit: Int) -> Bool {
        used + Int64(parts) <= Int64(limit)
    }
}
