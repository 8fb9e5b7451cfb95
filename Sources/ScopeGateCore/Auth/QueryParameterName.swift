/// The configured token query parameter name, and the query pair names a backend's parser
/// may read as it although the gateway would not (RFC 6750 §2.3, §5.3).
///
/// The gateway splits the query on `&` and compares the percent-decoded name exactly.
/// Backends read names more loosely, so a pair the gateway passes over can still reach the
/// backend as an unchecked token ("parameter cloaking"):
/// - `;` separates pairs like `&` (Rack < 3, Python `parse_qs` before 3.9.2, CVE-2021-23336);
/// - PHP drops leading spaces, ends the name at a NUL, turns `.` and space into `_` and reads
///   `name[...]` as an array, or an unclosed `[` as `_`;
/// - ASP.NET compares names case-insensitively (its ordinal folding also maps `ſ` to `s`).
///
/// ``reading(_:)`` folds a raw pair name the same way: percent-decoded (`+` is a space;
/// a malformed escape stays as it is), leading spaces dropped, cut at NUL, `.` space and `+`
/// mapped to `_`, upper- then lower-cased; then cut at the first `[`, or with `[` as `_`.
package struct QueryParameterName: Sendable {
    /// The name as configured (`api.token.query_parameter`).
    let name: String
    /// `name` folded like a pair name (the first of its two readings).
    private let folded: String

    package init(_ name: String) {
        self.name = name
        self.folded = Self.readings(Substring(name)).cut
    }

    /// Whether some backend may read the raw (still percent-encoded) pair name `rawName` as
    /// ``name``. True for the exact name as well.
    package func isReading(of rawName: Substring) -> Bool {
        let readings = Self.readings(rawName)
        return readings.cut == folded || readings.bracketAsUnderscore == folded
    }

    /// The two folded readings of a raw pair name: cut at the first `[` (PHP array), and with
    /// every `[` as `_` (PHP's unclosed bracket).
    private static func readings(_ rawName: Substring) -> (cut: String, bracketAsUnderscore: String) {
        let raw = Array(rawName.utf8)
        var bytes: [UInt8] = []
        var index = 0
        while index < raw.count {
            if raw[index] == UInt8(ascii: "%"), index + 2 < raw.count,
               let high = ASCII.hexValue(raw[index + 1]), let low = ASCII.hexValue(raw[index + 2]) {
                bytes.append(high << 4 | low)
                index += 3
            } else {
                bytes.append(raw[index] == UInt8(ascii: "+") ? UInt8(ascii: " ") : raw[index])
                index += 1
            }
        }
        var name = bytes.drop { $0 == UInt8(ascii: " ") }.prefix { $0 != 0 }.map { byte -> UInt8 in
            switch byte {
            case UInt8(ascii: "."), UInt8(ascii: " "), UInt8(ascii: "+"): return UInt8(ascii: "_")
            default: return byte
            }
        }
        let bracket = name.firstIndex(of: UInt8(ascii: "["))
        let cut = fold(name[..<(bracket ?? name.endIndex)])
        guard bracket != nil else { return (cut, cut) }
        for index in name.indices where name[index] == UInt8(ascii: "[") { name[index] = UInt8(ascii: "_") }
        return (cut, fold(name[...]))
    }

    private static func fold(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes, as: UTF8.self).uppercased().lowercased()
    }
}
