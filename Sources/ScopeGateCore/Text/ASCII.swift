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

    /// Whether `name` equals `token` ignoring ASCII letter case on both sides (a header name
    /// against one a peer listed in `Connection`), without allocating.
    @inlinable
    package static func equalsFoldingCase(_ name: String, _ token: Substring) -> Bool {
        let left = name.utf8
        let right = token.utf8
        guard left.count == right.count else { return false }
        @inline(__always) func folded(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte }
        var index = right.startIndex
        for byte in left {
            if folded(byte) != folded(right[index]) { return false }
            right.formIndex(after: &index)
        }
        return true
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
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start != end, bytes[start] == 0x20 || bytes[start] == 0x09 { bytes.formIndex(after: &start) }
        while start != end {
            let before = bytes.index(before: end)
            guard bytes[before] == 0x20 || bytes[before] == 0x09 else { break }
            end = before
        }
        return bytes[start..<end]
    }

    /// The same for a string's bytes, not generic: from another target the generic one
    /// ran unspecialised (with metadata lookups, 1.3 % of a forwarded request in
    /// `perf`), for the header values of every request and response.
    @inlinable
    package static func trimmingOWS(_ bytes: Substring.UTF8View) -> Substring.UTF8View {
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start != end, bytes[start] == 0x20 || bytes[start] == 0x09 { bytes.formIndex(after: &start) }
        while start != end {
            let before = bytes.index(before: end)
            guard bytes[before] == 0x20 || bytes[before] == 0x09 else { break }
            end = before
        }
        return bytes[start..<end]
    }

    /// The same for a whole string's bytes (see the `Substring.UTF8View` one).
    @inlinable
    package static func trimmingOWS(_ bytes: String.UTF8View) -> Substring.UTF8View {
        trimmingOWS(bytes[...])
    }
}
