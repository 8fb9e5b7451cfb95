/// Code-point-exact comparison for values taken from tokens and from `gateway.json`.
///
/// Swift's `String` `==`, `hasPrefix`, `Set` and `Dictionary` compare by Unicode canonical
/// equivalence: `"e\u{301}" == "é"` and `"\u{212A}" == "K"` (KELVIN SIGN) are `true`. JWT
/// string values are compared code point by code point with no normalisation (RFC 7515
/// §5.3, which RFC 7519 §7.3 applies; RFC 9068 §4: `iss` matches exactly), and a backend
/// that reads the same bytes must not come to another conclusion than the gateway. Every
/// comparison an access decision rests on (issuer, audience, `kid`, claim names, scopes)
/// goes through these, on the UTF-8 bytes.
extension String {
    /// Whether `self` and `other` are the same sequence of code points (same UTF-8 bytes).
    func isIdentical(to other: String) -> Bool {
        utf8.elementsEqual(other.utf8)
    }
}

extension Sequence where Element == String {
    /// Whether some element is byte-for-byte `value`.
    func containsIdentical(_ value: String) -> Bool {
        contains { $0.isIdentical(to: value) }
    }
}

extension Dictionary where Key == String {
    /// The value stored under a key with exactly `key`'s code points; `nil` when the
    /// dictionary holds only a canonically equivalent, byte-different key.
    subscript(exactly key: String) -> Value? {
        guard let index = index(forKey: key), self[index].key.isIdentical(to: key) else { return nil }
        return self[index].value
    }
}
