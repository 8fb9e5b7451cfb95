/// Byte-level ASCII helpers shared by the parsers of request targets and tokens.
///
/// The helpers that run per header of every request are `@inlinable`: the engine and the
/// server call them from other targets, and without it each call is an opaque (and, for the
/// generic one, unspecialised) call across the module boundary.
package enum ASCII {
    /// The value of a hexadecimal digit (`0-9 a-f A-F`), or `nil`.
    package static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// Whether `text` equals `lowercase` ignoring ASCII letter case (header names, RFC 9110
    /// §5.1), without allocating. `lowercase` must be lower-case already.
    @inlinable
    package static func equalsIgnoringCase(_ text: String, _ lowercase: String) -> Bool {
        var text = text
        var lowercase = lowercase
        return text.withUTF8 { left in
            lowercase.withUTF8 { right in
                guard left.count == right.count else { return false }
                for index in 0..<left.count {
                    var byte = left[index]
                    if byte >= 0x41 && byte <= 0x5A { byte += 0x20 }
                    if byte != right[index] { return false }
                }
                return true
            }
        }
    }

    /// Whether two byte strings are equal ignoring ASCII letter case on both sides (a header
    /// name against one a peer sent in `Connection`), without allocating.
    @inlinable
    package static func equalsFoldingCase<A: Collection<UInt8>, B: Collection<UInt8>>(_ left: A, _ right: B) -> Bool {
        guard left.count == right.count else { return false }
        @inline(__always) func folded(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte }
        return zip(left, right).allSatisfy { folded($0) == folded($1) }
    }

    /// RFC 9110 §5.6.2 `tchar`: the bytes of a token (a method, a header name).
    @inlinable
    package static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    /// Whether `text` starts with `lowercasePrefix` ignoring ASCII letter case, without allocating.
    @inlinable
    package static func hasPrefixIgnoringCase(_ text: String, _ lowercasePrefix: StaticString) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            guard bytes.count >= lowercasePrefix.utf8CodeUnitCount else { return false }
            let prefix = UnsafeBufferPointer(start: lowercasePrefix.utf8Start, count: lowercasePrefix.utf8CodeUnitCount)
            for index in 0..<prefix.count {
                var byte = bytes[index]
                if byte >= 0x41 && byte <= 0x5A { byte += 0x20 }
                if byte != prefix[index] { return false }
            }
            return true
        }
    }

    /// `bytes` without SP / HTAB at either end (RFC 9110 §5.6.3 OWS); empty when nothing else.
    /// Inlinable: the engine and the server call it on every header, from other targets.
    @inlinable
    package static func trimmingOWS<C: BidirectionalCollection<UInt8>>(_ bytes: C) -> C.SubSequence {
        let isOWS: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 }
        guard let first = bytes.firstIndex(where: { !isOWS($0) }), let last = bytes.lastIndex(where: { !isOWS($0) }) else {
            return bytes[bytes.endIndex...]
        }
        return bytes[first...last]
    }
}
