import NIOConcurrencyHelpers

/// Makes the request IDs the gateway assigns when a client sent none it may keep: random
/// UUIDs (RFC 9562 §5.4, version 4), lower-case, e.g. `9f1c0e4a-6b2d-4c8e-a1f3-0d5e7b9c2a64`.
///
/// A request ID correlates log lines and backend traces; it is not a secret. So the bits come
/// from a SplitMix64 sequence seeded once per process from the system's CSPRNG (replicas get
/// unrelated sequences), instead of a system call per request (Foundation's `UUID()` opens
/// `/dev/urandom` every time on Linux). Thread-safe; the lock is held for one addition.
///
/// (`@_spi(Fuzzing)`: the `Fuzz/` package's request-head target assigns request IDs.)
@_spi(Fuzzing) public final class RequestIDGenerator: Sendable {
    private let state: NIOLockedValueBox<UInt64>

    @_spi(Fuzzing) public init(seed: UInt64 = UInt64.random(in: .min ... .max)) {
        state = NIOLockedValueBox(seed)
    }

    /// The request ID an exchange carries: the client's (`value`, from the configured request
    /// ID header) when it is 1-128 characters of `A-Z a-z 0-9 - _ . :`, else a new random UUID.
    @_spi(Fuzzing) public func requestID(fromClient value: String?) -> String {
        if let value, (1...128).contains(value.utf8.count), value.utf8.allSatisfy(Self.isRequestIDByte) { return value }
        return next()
    }

    private static func isRequestIDByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: ":")
        }
    }

    /// A new version-4 UUID string (36 characters).
    func next() -> String {
        let (a, b) = state.withLockedValue { state -> (UInt64, UInt64) in
            state &+= 0x9E37_79B9_7F4A_7C15
            let first = Self.mix(state)
            state &+= 0x9E37_79B9_7F4A_7C15
            return (first, Self.mix(state))
        }
        let high = (a & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000   // version 4
        let low = (b & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000     // variant 10
        return String(unsafeUninitializedCapacity: 36) { buffer in
            let digits: StaticString = "0123456789abcdef"
            var index = 0
            func put(_ value: UInt64, nibbles: Int) {
                for shift in stride(from: (nibbles - 1) * 4, through: 0, by: -4) {
                    buffer[index] = digits.utf8Start[Int((value >> UInt64(shift)) & 0xF)]
                    index += 1
                }
            }
            put(high >> 32, nibbles: 8); buffer[index] = UInt8(ascii: "-"); index += 1
            put(high >> 16, nibbles: 4); buffer[index] = UInt8(ascii: "-"); index += 1
            put(high, nibbles: 4); buffer[index] = UInt8(ascii: "-"); index += 1
            put(low >> 48, nibbles: 4); buffer[index] = UInt8(ascii: "-"); index += 1
            put(low, nibbles: 12)
            return index
        }
    }

    /// SplitMix64's output function (Steele, Lea, Flood 2014).
    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
