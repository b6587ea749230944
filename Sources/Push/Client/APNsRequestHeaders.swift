import NIOHTTP2

/// Builds the HEADERS of one Wallet push: everything constant per topic is computed once, so a
/// request only adds its path, `apns-id` and (once a second) a new `apns-expiration`.
struct APNsRequestHeaders {
    let authority: String
    let topic: String
    let expiration: Duration
    private var idPrefix: UInt64
    private var idCounter: UInt64 = 0
    private var expirationSecond: Int64 = .min
    private var expirationValue = "0"

    init(authority: String, topic: String, expiration: Duration) {
        self.authority = authority
        self.topic = topic
        self.expiration = expiration
        self.idPrefix = UInt64.random(in: .min ... .max)
    }

    /// The request HEADERS frame payload for a push to `token`.
    ///
    /// - Parameters:
    ///   - nowSeconds: the wall clock (seconds since 1970), from which `apns-expiration` is derived.
    ///   - authorization: `bearer <jwt>` under token authentication, else nil.
    mutating func headers(for token: PushToken, nowSeconds: Int64, authorization: String?) -> HTTP2Frame.FramePayload.Headers {
        if nowSeconds != expirationSecond {
            expirationSecond = nowSeconds
            expirationValue = String(nowSeconds + expiration.components.seconds)
        }
        var payload = HTTP2Frame.FramePayload.Headers(headers: [:], endStream: false)
        payload.headers.reserveCapacity(authorization == nil ? 10 : 11)
        payload.headers.add(name: ":method", value: "POST")
        payload.headers.add(name: ":scheme", value: "https")
        // Every path and apns-id is new: indexing them would only churn HPACK's dynamic table.
        payload.headers.add(name: ":path", value: "/3/device/" + token.hex, indexing: .nonIndexable)
        payload.headers.add(name: ":authority", value: authority)
        payload.headers.add(name: "apns-topic", value: topic)
        payload.headers.add(name: "apns-push-type", value: "background")
        payload.headers.add(name: "apns-priority", value: "5")
        payload.headers.add(name: "apns-expiration", value: expirationValue)
        payload.headers.add(name: "apns-id", value: nextID(), indexing: .nonIndexable)
        payload.headers.add(name: "content-length", value: "2")
        if let authorization { payload.headers.add(name: "authorization", value: authorization) }
        return payload
    }

    /// A canonical lower-case UUID (version 4 layout): a random per-connection prefix and a counter.
    mutating func nextID() -> String {
        idCounter &+= 1
        let high = (idPrefix & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000
        let low = (idCounter & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        return String(unsafeUninitializedCapacity: 36) { buffer in
            let digits: StaticString = "0123456789abcdef"
            var out = 0
            func put(_ value: UInt64, nibbles: Int) {
                var shift = (nibbles - 1) * 4
                while shift >= 0 {
                    buffer[out] = digits.utf8Start[Int((value >> UInt64(shift)) & 0xF)]
                    out += 1
                    shift -= 4
                }
            }
            func dash() {
                buffer[out] = UInt8(ascii: "-")
                out += 1
            }
            put(high >> 32, nibbles: 8)
            dash()
            put(high >> 16, nibbles: 4)
            dash()
            put(high, nibbles: 4)
            dash()
            put(low >> 48, nibbles: 4)
            dash()
            put(low, nibbles: 12)
            return out
        }
    }
}
