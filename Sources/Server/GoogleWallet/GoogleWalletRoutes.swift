import Foundation
import GoogleWallet
import Hummingbird
import NIOCore
import Storage

/// What Google fetches and posts: the template's images under a stable public path (Google
/// needs images by URL) and the save and delete callbacks.
struct GoogleWalletRoutes: Sendable {
    typealias Context = AppRequestContext
    let google: GoogleWalletService
    let maxBodyBytes: Int

    func register(on router: some RouterMethods<Context>) {
        router.post("google/callbacks", use: callback)
        router.get("google/images/:template/:variant/:file", use: image)
    }

    /// A save or delete callback, signed with ECv2SigningOnly. A forged, expired or malformed one
    /// is refused (400) and recorded nowhere; a repeat (its nonce seen) changes nothing.
    @Sendable func callback(_ request: Request, context: Context) async throws -> Response {
        guard let verifier = google.verifier else {
            google.logger.warning("a Google Wallet callback arrived, but PASSLINE_GOOGLE_CALLBACK_KEYS is not set: refused")
            throw APIError(.serviceUnavailable, "callbacks are not configured on this server")
        }
        guard let buffer = try? await request.body.collect(upTo: min(maxBodyBytes, 64 * 1024)) else {
            throw APIError(.contentTooLarge, "the callback is larger than 64 KB")
        }
        let callback: GoogleCallback
        do {
            callback = try verifier.verify(Array(buffer.readableBytesView), now: Date())
        } catch {
            google.logger.warning("a Google Wallet callback was refused: \(error)")
            throw APIError.badRequest("the callback does not verify: \(error)")
        }
        let kind: GoogleEventKind = callback.eventType == .save ? .save : .delete
        let outcome = try await google.store.recordEvent(objectID: callback.objectId.value, kind, nonce: callback.nonce)
        if outcome == .unknownObject {
            google.logger.notice("a Google Wallet callback names an object Passline doesn't have: \(callback.objectId.value)")
        }
        return Response(status: .ok)
    }

    /// `GET /google/images/{template}/{variant}/{file}`: a PNG of the template (`default` for no
    /// variant; a variant's own file first).
    @Sendable func image(_ request: Request, context: Context) async throws -> Response {
        let template = google.mapping.template
        let name = context.parameters.get("template") ?? ""
        let variant = context.parameters.get("variant") ?? ""
        let file = context.parameters.get("file") ?? ""
        guard name == template.name, file.hasSuffix(".png"), !file.contains("/"),
              let bytes = (variant == "default" ? nil : template.variantFiles[variant]?[file]) ?? template.files[file]
        else { throw APIError.notFound("no such image") }
        return Response(
            status: .ok, headers: [.contentType: "image/png", .cacheControl: "public, max-age=86400"],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
