import Core

/// How this module reaches Google: one request in, its response out, whatever the status.
/// Throws ``Core/OutboundHTTPError`` when no response arrived. The server passes its libcurl
/// sender; tests pass one aimed at the mock.
public typealias GoogleSend = @Sendable (OutboundRequest) async throws -> OutboundResponse
