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
///
/// Built as UTF-8 bytes in one buffer (one allocation for a typical line, values copied
/// whole when they need no escaping, numbers and the timestamp written digit by digit): an
/// access line is written for every forwarded request, on the event loop.
package struct JSONLine {
    private var bytes: [UInt8]
    private var first = true

    package init() {
        bytes = []
        bytes.reserveCapacity(512)
        bytes.append(UInt8(ascii: "{"))
    }

    package mutating func add(_ key: StaticString, _ value: String?) {
        guard let value else { return }
        begin(key)
        Self.appendQuoted(value, to: &bytes)
    }

    /// Adds `key` with the string, or `null` when `value` is nil (where the key must always be present).
    mutating func add(_ key: StaticString, orNull value: String?) {
        begin(key)
        if let value { Self.appendQuoted(value, to: &bytes) } else { bytes.append(contentsOf: "null".utf8) }
    }

    mutating func add(_ key: StaticString, _ value: Int) {
        begin(key)
        Self.appendDecimal(value, to: &bytes)
    }

    mutating func add(_ key: StaticString, _ value: Bool) {
        begin(key)
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    mutating func add(_ key: StaticString, _ values: [String]) {
        begin(key)
        bytes.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            Self.appendQuoted(value, to: &bytes)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    mutating func add(_ key: StaticString, _ lists: [[String]]) {
        begin(key)
        bytes.append(UInt8(ascii: "["))
        for (index, values) in lists.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(UInt8(ascii: "["))
            for (inner, value) in values.enumerated() {
                if inner > 0 { bytes.append(UInt8(ascii: ",")) }
                Self.appendQuoted(value, to: &bytes)
            }
            bytes.append(UInt8(ascii: "]"))
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// A duration in milliseconds with at most three decimals (microsecond resolution), no
    /// trailing zeros: `12.346`, `10`, `0.5`. Negative values are written as 0.
    mutating func addMilliseconds(_ key: StaticString, _ milliseconds: Double) {
        begin(key)
        let micros = milliseconds > 0 ? Int((milliseconds * 1000).rounded()) : 0
        Self.appendDecimal(micros / 1000, to: &bytes)
        var fraction = micros % 1000
        guard fraction != 0 else { return }
        bytes.append(UInt8(ascii: "."))
        var divisor = 100
        while fraction != 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(fraction / divisor))
            fraction %= divisor
            divisor /= 10
        }
    }

    /// A log event line opened with the fields every event starts with: `time` (RFC 3339
    /// UTC) and `event`.
    package static func event(_ name: String, at time: Date) -> JSONLine {
        var line = JSONLine()
        line.begin("time")
        line.bytes.append(UInt8(ascii: "\""))
        appendTimestamp(time, to: &line.bytes)
        line.bytes.append(UInt8(ascii: "\""))
        line.add("event", name)
        return line
    }

    /// The finished object followed by `\n`.
    package consuming func finish() -> String {
        String(decoding: finishBytes(), as: UTF8.self)
    }

    /// The finished object followed by `\n`, as the UTF-8 bytes the log writes (no copy into a
    /// `String` and back on the per-request path).
    consuming func finishBytes() -> [UInt8] {
        bytes.append(UInt8(ascii: "}"))
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }

    /// Keys are literals: their UTF-8 is copied whole, with no walk over a `String`'s view.
    private mutating func begin(_ key: StaticString) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        first = false
        bytes.append(UInt8(ascii: "\""))
        key.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    // MARK: Values

    /// Appends `value` as a JSON string (quotes included) to UTF-8 `bytes`.
    static func appendQuoted(_ value: String, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        var value = value
        let copied = value.withUTF8 { utf8 -> Bool in
            // The common case (paths, names, reasons): copied whole, not scalar by scalar.
            guard !needsEscaping(utf8) else { return false }
            bytes.append(contentsOf: utf8)
            return true
        }
        if !copied {
            var escaped = ""
            appendEscaped(value, to: &escaped)
            bytes.append(contentsOf: escaped.utf8)
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Appends `value` as a JSON string (quotes included) to `text`.
    package static func appendQuoted(_ value: String, to text: inout String) {
        text += "\""
        var value = value
        if value.withUTF8({ !needsEscaping($0) }) {
            text += value
        } else {
            appendEscaped(value, to: &text)
        }
        text += "\""
    }

    private static func appendEscaped(_ value: String, to text: inout String) {
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
    }

    /// Whether `utf8` holds a byte that must be escaped: `"`, `\`, a control character, DEL,
    /// or U+2028/U+2029 (`E2 80 A8`/`E2 80 A9`).
    private static func needsEscaping(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        var previous: (UInt8, UInt8) = (0, 0)
        for byte in utf8 {
            if byte < 0x20 || byte == 0x22 || byte == 0x5C || byte == 0x7F { return true }
            if previous == (0xE2, 0x80) && (byte == 0xA8 || byte == 0xA9) { return true }
            previous = (previous.1, byte)
        }
        return false
    }

    /// Appends the decimal digits of `value`.
    static func appendDecimal(_ value: Int, to bytes: inout [UInt8]) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var divisor: UInt = 1
        while magnitude / divisor >= 10 { divisor *= 10 }
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(magnitude / divisor))
            magnitude %= divisor
            divisor /= 10
        }
    }

    // MARK: Time

    /// `date` as RFC 3339 UTC with milliseconds, e.g. `2026-11-29T09:01:37.123Z`.
    static func timestamp(_ date: Date) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        appendTimestamp(date, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The latest instant ``appendTimestamp(_:to:)`` can write (9999-12-31T23:59:59.999Z);
    /// later dates, and earlier than 1970 or not finite, are clamped into 1970...9999.
    static let latestSeconds: Double = 253_402_300_799

    /// Appends `date` as RFC 3339 UTC with milliseconds (24 bytes).
    ///
    /// The civil date comes from days since the epoch by integer arithmetic (the proleptic
    /// Gregorian calendar), not `gmtime_r`: glibc takes its time-zone lock even for UTC, which
    /// every event loop would contend on for each access line. Never traps, whatever `date` holds.
    static func appendTimestamp(_ date: Date, to bytes: inout [UInt8]) {
        let interval = date.timeIntervalSince1970
        let seconds: Int, millis: Int
        if interval.isNaN || interval < 0 {
            (seconds, millis) = (0, 0)
        } else if interval >= latestSeconds + 1 {          // also +infinity
            (seconds, millis) = (Int(latestSeconds), 999)
        } else {
            let whole = interval.rounded(.down)
            (seconds, millis) = (Int(whole), min(999, max(0, Int((interval - whole) * 1000))))
        }
        let days = seconds / 86_400
        let secondOfDay = seconds % 86_400
        let (year, month, day) = civilDate(daysSinceEpoch: days)
        func put(_ value: Int, digits: Int) {
            var divisor = 1
            for _ in 1..<digits { divisor *= 10 }
            var rest = max(0, value)
            while divisor > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8((rest / divisor) % 10))
                rest %= divisor
                divisor /= 10
            }
        }
        put(year, digits: 4); bytes.append(UInt8(ascii: "-"))
        put(month, digits: 2); bytes.append(UInt8(ascii: "-"))
        put(day, digits: 2); bytes.append(UInt8(ascii: "T"))
        put(secondOfDay / 3600, digits: 2); bytes.append(UInt8(ascii: ":"))
        put(secondOfDay / 60 % 60, digits: 2); bytes.append(UInt8(ascii: ":"))
        put(secondOfDay % 60, digits: 2); bytes.append(UInt8(ascii: "."))
        put(millis, digits: 3); bytes.append(UInt8(ascii: "Z"))
    }

    /// The proleptic Gregorian date `days` (>= 0) after 1970-01-01: the calendar repeats every
    /// 400 years (146 097 days); within an era, years are counted from March so that the leap
    /// day falls at the end.
    static func civilDate(daysSinceEpoch days: Int) -> (year: Int, month: Int, day: Int) {
        let shifted = days + 719_468                    // days since 0000-03-01
        let era = shifted / 146_097
        let dayOfEra = shifted - era * 146_097          // 0...146096
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)   // from March 1
        let monthFromMarch = (5 * dayOfYear + 2) / 153  // 0 = March ... 11 = February
        let day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
        let month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
