#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Builds one JSON object on one line, members in the order they are added.
///
/// Keys are fixed ASCII identifiers chosen by the code; values are escaped per
/// RFC 8259 §7, so no value can break the line or the object.
struct JSONLine {
    private var text = "{"
    private var first = true

    mutating func add(_ key: String, _ value: String?) {
        guard let value else { return }
        begin(key)
        Self.appendQuoted(value, to: &text)
    }

    /// Adds `key` with the string, or `null` when `value` is nil (where the key must always be present).
    mutating func add(_ key: String, orNull value: String?) {
        begin(key)
        if let value { Self.appendQuoted(value, to: &text) } else { text += "null" }
    }

    mutating func add(_ key: String, _ value: Int) {
        begin(key)
        text += String(value)
    }

    /// Adds `key` with `json`, already valid JSON (a number rendered by the caller).
    mutating func addRaw(_ key: String, _ json: String) {
        begin(key)
        text += json
    }

    mutating func add(_ key: String, _ value: Bool) {
        begin(key)
        text += value ? "true" : "false"
    }

    mutating func add(_ key: String, _ values: [String]) {
        begin(key)
        text += "["
        for (index, value) in values.enumerated() {
            if index > 0 { text += "," }
            Self.appendQuoted(value, to: &text)
        }
        text += "]"
    }

    mutating func add(_ key: String, _ lists: [[String]]) {
        begin(key)
        text += "["
        for (index, values) in lists.enumerated() {
            if index > 0 { text += "," }
            text += "["
            for (inner, value) in values.enumerated() {
                if inner > 0 { text += "," }
                Self.appendQuoted(value, to: &text)
            }
            text += "]"
        }
        text += "]"
    }

    /// A log event line opened with the fields every event starts with: `time` (RFC 3339
    /// UTC) and `event`.
    static func event(_ name: String, at time: Date) -> JSONLine {
        var line = JSONLine()
        line.add("time", timestamp(time))
        line.add("event", name)
        return line
    }

    /// The finished object followed by `\n`.
    func finish() -> String { text + "}\n" }

    private mutating func begin(_ key: String) {
        if !first { text += "," }
        first = false
        text += "\"\(key)\":"
    }

    static func appendQuoted(_ value: String, to text: inout String) {
        text += "\""
        if !needsEscaping(value) {
            // The common case (paths, names, reasons): copied whole, not scalar by scalar.
            text += value
            text += "\""
            return
        }
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F || scalar.value == 0x2028 || scalar.value == 0x2029:
                text += String(format: "\\u%04x", scalar.value)
            default:
                text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }

    /// Whether `value` holds a byte that ``appendQuoted(_:to:)`` must escape: `"`, `\`, a
    /// control character, DEL, or the first byte of U+2028/U+2029 (`E2`, checked exactly below).
    private static func needsEscaping(_ value: String) -> Bool {
        var previous: (UInt8, UInt8) = (0, 0)
        for byte in value.utf8 {
            if byte < 0x20 || byte == 0x22 || byte == 0x5C || byte == 0x7F { return true }
            if previous == (0xE2, 0x80) && (byte == 0xA8 || byte == 0xA9) { return true }
            previous = (previous.1, byte)
        }
        return false
    }

    /// `date` as RFC 3339 UTC with milliseconds, e.g. `2026-11-29T09:01:37.123Z`.
    static func timestamp(_ date: Date) -> String {
        let interval = date.timeIntervalSince1970
        var seconds = time_t(interval.rounded(.down))
        let millis = min(999, max(0, Int((interval - interval.rounded(.down)) * 1000)))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        // Digits written directly: `String(format:)` goes through NSString and costs
        // microseconds on every logged denial.
        return String(unsafeUninitializedCapacity: 24) { buffer in
            var index = 0
            func put(_ value: Int, digits: Int) {
                var divisor = 1
                for _ in 1..<digits { divisor *= 10 }
                var rest = max(0, value)
                while divisor > 0 {
                    buffer[index] = UInt8(ascii: "0") + UInt8((rest / divisor) % 10)
                    rest %= divisor
                    divisor /= 10
                    index += 1
                }
            }
            func put(_ byte: Unicode.Scalar) {
                buffer[index] = UInt8(ascii: byte)
                index += 1
            }
            put(Int(parts.tm_year) + 1900, digits: 4); put("-")
            put(Int(parts.tm_mon) + 1, digits: 2); put("-")
            put(Int(parts.tm_mday), digits: 2); put("T")
            put(Int(parts.tm_hour), digits: 2); put(":")
            put(Int(parts.tm_min), digits: 2); put(":")
            put(Int(parts.tm_sec), digits: 2); put(".")
            put(millis, digits: 3); put("Z")
            return index
        }
    }
}

extension JSONLine {
    /// A duration in milliseconds with at most three decimals (microsecond resolution).
    mutating func addMilliseconds(_ key: String, _ milliseconds: Double) {
        let micros = Int((max(0, milliseconds) * 1000).rounded())
        let fraction = micros % 1000
        var text = String(micros / 1000)
        if fraction != 0 {
            var digits = String(fraction)
            while digits.count < 3 { digits = "0" + digits }
            while digits.hasSuffix("0") { digits.removeLast() }
            text += "." + digits
        }
        addRaw(key, text)
    }
}
