/// Ed25519 public keys (RFC 8037 `OKP`, `crv` `Ed25519`) for which signatures prove
/// nothing: the points of small order, for which an all-zero-scalar signature with a
/// small-order `R` verifies for every message under the cofactored or lax rules some
/// verifiers use, and encodings that are not canonical (RFC 8032 §5.1.3: `y` at or above
/// p = 2^255 - 19). Such a key in a JWKS is skipped, as libsodium and RFC 8032 §5.1.7 strict
/// verification refuse it.
///
/// The eight points of order 1, 2, 4 and 8 (the torsion subgroup) are listed by their
/// 32-byte little-endian encoding with the sign bit (bit 255, the sign of `x`) cleared: the
/// identity (y = 1), y = p - 1 (order 2), y = 0 (the two points of order 4) and the two
/// `y` values of the four points of order 8.
enum Ed25519WeakKey {
    private static let smallOrderEncodings: [[UInt8]] = [
        [UInt8](repeating: 0, count: 32),                                  // y = 0: order 4
        [1] + [UInt8](repeating: 0, count: 31),                            // y = 1: the identity
        [0xEC] + [UInt8](repeating: 0xFF, count: 30) + [0x7F],             // y = p - 1: order 2
        hex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"),  // order 8
        hex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"),  // order 8
    ]

    /// Whether the 32-byte encoding `x` (the JWK's decoded `x`) is a small-order point or
    /// a non-canonical encoding. Other lengths are left to the key parser, which refuses them.
    static func isWeak(_ x: [UInt8]) -> Bool {
        guard x.count == 32 else { return false }
        var y = x
        y[31] &= 0x7F
        if smallOrderEncodings.contains(y) { return true }
        // y >= p: 0x7F FF...FF ED and above (little-endian), i.e. bytes 1...30 all 0xFF,
        // byte 31 = 0x7F and byte 0 >= 0xED.
        return y[31] == 0x7F && y[1...30].allSatisfy { $0 == 0xFF } && y[0] >= 0xED
    }

    /// The bytes of a constant hex string (two digits per byte).
    private static func hex(_ text: String) -> [UInt8] {
        let digits = Array(text.utf8)
        return stride(from: 0, to: digits.count - 1, by: 2).map {
            ASCII.hexValue(digits[$0])! << 4 | ASCII.hexValue(digits[$0 + 1])!
        }
    }
}
