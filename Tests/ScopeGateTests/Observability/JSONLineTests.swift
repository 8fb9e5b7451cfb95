import Foundation
import XCTest
@testable import ScopeGateObservability

/// The event-log encoder: RFC 3339 timestamps and JSON string escaping, on the fast path
/// (nothing to escape, copied whole) and the slow one.
final class JSONLineTests: XCTestCase {
    func testTimestampIsRFC3339UTCWithMilliseconds() {
        XCTAssertEqual(JSONLine.timestamp(Date(timeIntervalSince1970: 0)), "1970-01-01T00:00:00.000Z")
        XCTAssertEqual(JSONLine.timestamp(Date(timeIntervalSince1970: 1_795_950_097.123_9)), "2026-11-29T11:01:37.123Z")
        XCTAssertEqual(JSONLine.timestamp(Date(timeIntervalSince1970: 951_782_400.999_9)), "2000-02-29T00:00:00.999Z")
        XCTAssertEqual(JSONLine.timestamp(Date(timeIntervalSince1970: 4_102_444_799.5)), "2099-12-31T23:59:59.500Z")
    }

    /// The civil date is computed without `gmtime_r`: it must agree with it on every kind of
    /// day (leap days, century years, 2100 not leap, 2000 leap, year ends), second by second
    /// around them and at random instants up to 9999.
    func testTimestampAgreesWithGmtime() {
        func reference(_ seconds: Int) -> String {
            var time = time_t(seconds)
            var parts = tm()
            gmtime_r(&time, &parts)
            return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.000Z", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                          Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
        }
        var instants = [0, 68_169_599, 951_782_399, 951_868_800, 4_107_542_399, 4_107_542_400, 4_133_894_400,
                        253_402_300_799, 13_569_465_600, 946_684_799]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 { instants.append(Int.random(in: 0...253_402_300_799, using: &generator)) }
        for day in stride(from: 0, to: 2_932_897, by: 97) { instants.append(day * 86_400 + 86_399) }
        for instant in instants {
            XCTAssertEqual(JSONLine.timestamp(Date(timeIntervalSince1970: Double(instant))), reference(instant), "\(instant)")
        }
    }

    /// A date the clock cannot give (not finite, before 1970, after 9999) is clamped, never trapped on.
    func testTimestampOfAnImpossibleDateIsClamped() {
        XCTAssertEqual(JSONLine.timestamp(Date(timeIntervalSince1970: .nan)), "1970-01-01T00:00:00.000Z")
        XCTAssertEqual(JSONLine.timestamp(Date(timeIntervalSince1970: -1)), "1970-01-01T00:00:00.000Z")
        XCTAssertEqual(JSONLine.timestamp(Date(timeIntervalSince1970: .infinity)), "9999-12-31T23:59:59.999Z")
        XCTAssertEqual(JSONLine.timestamp(Date(timeIntervalSince1970: 1e300)), "9999-12-31T23:59:59.999Z")
        XCTAssertEqual(JSONLine.timestamp(.distantFuture), "4001-01-01T00:00:00.000Z")
    }

    func testQuotedValuesRoundTripThroughAJSONParser() throws {
        let values = [
            "/plain/path", "", "quote\" and \\ backslash", "tab\tnew\nline\rcr", "nul\u{0}bell\u{7}del\u{7F}",
            "line separator \u{2028} and \u{2029}", "é ü 日本 🙂", "\u{E2}\u{80}", "ends with \u{E2}",
        ]
        for value in values {
            var text = ""
            JSONLine.appendQuoted(value, to: &text)
            let decoded = try JSONSerialization.jsonObject(with: Data(("[" + text + "]").utf8)) as? [String]
            XCTAssertEqual(decoded, [value], "value \(value.debugDescription) encoded as \(text)")
            XCTAssertFalse(text.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F || $0 == "\u{2028}" || $0 == "\u{2029}" },
                           "raw control or separator left in \(text.debugDescription)")
        }
    }
}
