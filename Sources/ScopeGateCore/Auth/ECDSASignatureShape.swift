/// The shape rules of a JWS ECDSA signature (RFC 7518 §3.4): `R || S`, each the
/// curve's order size in big-endian bytes (32, 48 or 66), with `1 <= r < n` and
/// `1 <= s < n` (FIPS 186-5 §6.4.2 step 1).
///
/// swift-crypto (BoringSSL) also enforces the range, but the gateway checks it first
/// so that no library regression can bring back CVE-2022-21449, where Java accepted
/// `r = s = 0` for any message and key.
enum ECDSASignatureShape {
    /// The curve orders `n`, big-endian, at the component size.
    private static let p256Order = bytes("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551")
    private static let p384Order = bytes(
        "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973")
    private static let p521Order = bytes(
        "01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409")

    /// The order `n` of the curve `algorithm` signs on, or `nil` for a non-ECDSA algorithm.
    static func order(for algorithm: JWSAlgorithm) -> [UInt8]? {
        switch algorithm {
        case .es256: return p256Order
        case .es384: return p384Order
        case .es512: return p521Order
        default: return nil
        }
    }

    /// Whether `signature` has the length `2 * size(n)` and both halves are in `1..<n`.
    static func isWellFormed(_ signature: [UInt8], for algorithm: JWSAlgorithm) -> Bool {
        guard let order = order(for: algorithm), signature.count == 2 * order.count else { return false }
        let r = signature[0..<order.count]
        let s = signature[order.count...]
        return isInRange(r, below: order) && isInRange(s, below: order)
    }

    /// `1 <= value < order`, both big-endian of equal length.
    private static func isInRange(_ value: ArraySlice<UInt8>, below order: [UInt8]) -> Bool {
        guard value.contains(where: { $0 != 0 }) else { return false }
        for (byte, limit) in zip(value, order) where byte != limit {
            return byte < limit
        }
        return false  // equal to n
    }

    private static func bytes(_ hex: String) -> [UInt8] {
        var result: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            result.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return result
    }
}
