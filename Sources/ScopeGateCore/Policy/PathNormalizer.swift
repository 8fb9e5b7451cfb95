/// Normalises the path part of a request target; see ``RequestTarget`` for the rules.
enum PathNormalizer {
    /// - Parameter raw: bytes starting with `/`, without query.
    static func normalize(_ raw: ArraySlice<UInt8>) -> Result<String, RequestTargetError> {
        if isNormal(raw) { return .success(String(decoding: raw, as: UTF8.self)) }
        return normalizeBySegments(raw)
    }

    /// Whether `raw` is its own normal form: plain path bytes (no escape, `\` or `;`), no empty
    /// segment but a trailing one (no `//`) and no `.` or `..` segment. Most paths are: they
    /// are then taken as they are, without the segment-by-segment rebuild (which gives the
    /// same bytes for them; `PathNormalizerTests` checks the two agree).
    static func isNormal(_ raw: ArraySlice<UInt8>) -> Bool {
        guard raw.first == UInt8(ascii: "/") else { return false }
        var segmentStart = raw.startIndex + 1
        var index = segmentStart
        while index < raw.endIndex {
            let byte = raw[index]
            if byte == UInt8(ascii: "/") {
                if index == segmentStart || isDotSegment(raw[segmentStart..<index]) { return false }
                segmentStart = index + 1
            } else if !isPathByte(byte) {
                return false
            }
            index += 1
        }
        return !isDotSegment(raw[segmentStart..<raw.endIndex])
    }

    private static func isDotSegment(_ segment: ArraySlice<UInt8>) -> Bool {
        segment.count <= 2 && !segment.isEmpty && segment.allSatisfy { $0 == UInt8(ascii: ".") }
    }

    /// The general case: each segment decoded, checked and resolved (RFC 3986 §5.2.4), then joined.
    static func normalizeBySegments(_ raw: ArraySlice<UInt8>) -> Result<String, RequestTargetError> {
        var segments: [[UInt8]] = []
        var current: [UInt8] = []
        var endsWithSlash = false
        var index = raw.startIndex
        var first = true
        var hasNonASCIIEscape = false

        func closeSegment() {
            // RFC 3986 §5.2.4 on a whole segment, after unreserved escapes were decoded.
            if current == [0x2E] {
                endsWithSlash = true
            } else if current == [0x2E, 0x2E] {
                if !segments.isEmpty { segments.removeLast() }
                endsWithSlash = true
            } else if current.isEmpty {
                endsWithSlash = true   // "//" merges; a trailing "/" is kept
            } else {
                segments.append(current)
                endsWithSlash = false
            }
            current.removeAll(keepingCapacity: true)
        }

        while index < raw.endIndex {
            let byte = raw[index]
            if byte == UInt8(ascii: "/") {
                if !first { closeSegment() }
                first = false
                index += 1
                continue
            }
            first = false
            if byte == UInt8(ascii: "%") {
                guard index + 2 < raw.endIndex,
                      let high = ASCII.hexValue(raw[index + 1]), let low = ASCII.hexValue(raw[index + 2])
                else { return .failure(.init("path has a malformed percent-escape")) }
                let decoded = high << 4 | low
                if isUnreserved(decoded) {
                    current.append(decoded)
                } else if decoded < 0x20 || decoded == 0x7F || decoded == UInt8(ascii: "/")
                            || decoded == UInt8(ascii: "\\") || decoded == UInt8(ascii: ";") {
                    return .failure(.init("path has an encoded \"/\", \"\\\", \";\" or control character"))
                } else {
                    hasNonASCIIEscape = hasNonASCIIEscape || decoded >= 0x80
                    current.append(UInt8(ascii: "%"))
                    current.append(hexDigits[Int(decoded >> 4)])
                    current.append(hexDigits[Int(decoded & 0x0F)])
                }
                index += 3
                continue
            }
            guard isPathByte(byte) else {
                if byte == UInt8(ascii: "\\") || byte == UInt8(ascii: ";") {
                    return .failure(.init("path contains \"\\\" or \";\""))
                }
                return .failure(.init("path contains a byte outside RFC 3986 pchar"))
            }
            current.append(byte)
            index += 1
        }
        closeSegment()

        var out: [UInt8] = [UInt8(ascii: "/")]
        for (i, segment) in segments.enumerated() {
            if i > 0 { out.append(UInt8(ascii: "/")) }
            out.append(contentsOf: segment)
        }
        if endsWithSlash && !segments.isEmpty { out.append(UInt8(ascii: "/")) }
        if hasNonASCIIEscape && !escapesAreUTF8(out) {
            return .failure(.init("path has percent-escapes that are not UTF-8"))
        }
        return .success(String(decoding: out, as: UTF8.self))
    }

    /// Whether each maximal run of `%XX` escapes with XX >= 80 in the normalised `path`, read
    /// as bytes, is valid UTF-8 (RFC 3629 §3-4: no overlong form, surrogate, code point above
    /// U+10FFFF, lead byte C0, C1 or F5-FF, stray or missing continuation byte). A backend that
    /// decodes leniently may otherwise read `%C0%AE` as `.` or `%C0%AF` as `/`, on a path the
    /// policy decided as another one. Swift's UTF-8 decoding rejects all of these.
    static func escapesAreUTF8(_ path: [UInt8]) -> Bool {
        var run: [UInt8] = []
        var index = 0
        while index <= path.count {
            if index + 2 < path.count, path[index] == UInt8(ascii: "%"),
               let high = ASCII.hexValue(path[index + 1]), high >= 8, let low = ASCII.hexValue(path[index + 2]) {
                run.append(high << 4 | low)
                index += 3
                continue
            }
            if !run.isEmpty {
                guard String(decoding: run, as: UTF8.self).utf8.elementsEqual(run) else { return false }
                run.removeAll(keepingCapacity: true)
            }
            index += 1
        }
        return true
    }

    private static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)


    /// RFC 3986 §2.3 unreserved.
    static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// RFC 3986 §3.3 pchar less `%` (handled apart) and `;` (rejected).
    private static func isPathByte(_ byte: UInt8) -> Bool {
        if isUnreserved(byte) { return true }
        switch byte {
        case UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("),
             UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: "="),
             UInt8(ascii: ":"), UInt8(ascii: "@"):
            return true
        default:
            return false
        }
    }
}
