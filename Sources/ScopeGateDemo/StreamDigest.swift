/// A fast running checksum of a byte stream, for checking that large bodies crossed the
/// gateway intact (the echo backend's `digest=1` mode, the streaming tests).
///
/// FNV-1a's multiply-xor over 64-bit little-endian words with an extra shift to mix high
/// bits down, then the length: not cryptographic, but any changed, lost, duplicated or
/// reordered word changes it with overwhelming probability. The result does not depend on
/// how the stream is split into parts.
public struct StreamDigest: Sendable {
    private var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    private var carry: UInt64 = 0
    private var carryCount = 0
    /// Bytes fed so far.
    public private(set) var count = 0

    public init() {}

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        count += bytes.count
        var index = 0
        while carryCount > 0 && index < bytes.count {
            carry |= UInt64(bytes[index]) << UInt64(8 * carryCount)
            carryCount += 1
            index += 1
            if carryCount == 8 {
                mix(carry)
                carry = 0
                carryCount = 0
            }
        }
        while index + 8 <= bytes.count {
            mix(UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)))
            index += 8
        }
        while index < bytes.count {
            carry |= UInt64(bytes[index]) << UInt64(8 * carryCount)
            carryCount += 1
            index += 1
        }
    }

    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// 16 lower-case hex digits.
    public var hexDigest: String {
        var copy = self
        if copy.carryCount > 0 { copy.mix(copy.carry ^ (UInt64(copy.carryCount) << 56)) }
        copy.mix(UInt64(count))
        let hex = String(copy.hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    private mutating func mix(_ word: UInt64) {
        hash = (hash ^ word) &* 0x0000_0100_0000_01b3
        hash ^= hash >> 29
    }
}
