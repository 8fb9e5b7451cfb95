import Foundation
import XCTest
@testable import ScopeGate

/// The event-log encoder: RFC 3339 timestamps and JSON string escaping, on the fast path
/// (nothing to escape, copied whole) and the slow one.
final class JSONLineTests: XCTestCase {
    func testTimestampIsRFC3339UTCWithMilliseconds() {
        XCTAssertEqual(JSONLine.timestamp(Date(timeIntervalSince1970: 0)), "1970-01-01T00:00:00.000Z")
        XCTAssertEqual(JSONLine.timestamp(Date(timeIntervalSince1970: 1_795_950_097.123_9)), "2026-11-29T11:01:37.123Z")
        XCTAssertEqual(JSONLine.timestamp(Date(timeIntervalSince1970: 951_782_400.999_9)), "2000-02-29T00:00:00.999Z")
        XCTAssertEqual(JSONLine.timestamp(Date(timeIntervalSince1970: 4_102_444_799.5)), "2099-12-31T23:59:59.500Z")
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
