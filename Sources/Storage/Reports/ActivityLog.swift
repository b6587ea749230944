import Foundation

/// What the activity log records: the events that leave no row of their own to count later.
public enum ActivityKind: String, Sendable, CaseIterable {
    /// A download link's landing page was opened.
    case linkOpen = "link_open"
    /// A pass was downloaded through a link.
    case linkDownload = "link_download"
    /// A wallet registered for a pass (a card added to a phone).
    case install
    /// A wallet's registration ended: the card was removed, or APNs reported the device gone.
    case removal
}

/// The one writer of `activity_events`, called inside the transaction of the change it counts.
public enum ActivityLog {
    public static func record(_ db: any DatabaseConnection, _ kind: ActivityKind, platform: WalletClient? = nil, count: Int = 1, at seconds: Int64) async throws {
        guard count > 0 else { return }
        // One row per event keeps counting a plain indexed range; a removal by APNs may cover several.
        for _ in 0..<count {
            try await db.query(
                "INSERT INTO activity_events (kind, platform, at) VALUES ($1, $2, $3)",
                [.text(kind.rawValue), platform.map { .text($0.rawValue) } ?? .null, .integer(seconds)])
        }
    }
}
