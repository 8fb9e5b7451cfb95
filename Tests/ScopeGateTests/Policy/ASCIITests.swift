import XCTest
@testable import ScopeGateCore

/// The byte helpers every header goes through: each overload of `trimmingOWS` gives the same
/// bytes, and `equalsFoldingCase` folds both sides.
final class ASCIITests: XCTestCase {
    func testEveryTrimmingOverloadAgrees() {
        for text in ["", " ", "\t \t", "a", " a", "a\t", " \ta b\t ", "a \t b", "\u{e9} x "] {
            let expected = String(text.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
            XCTAssertEqual(String(Substring(ASCII.trimmingOWS(text.utf8))), expected, "String.UTF8View \(text.debugDescription)")
            XCTAssertEqual(String(Substring(ASCII.trimmingOWS(text[...].utf8))), expected, "Substring.UTF8View \(text.debugDescription)")
            let bytes = Array(text.utf8)
            XCTAssertEqual(String(decoding: ASCII.trimmingOWS(bytes), as: UTF8.self), expected, "[UInt8] \(text.debugDescription)")
        }
    }

    func testFoldingCaseComparesBothSides() {
        XCTAssertTrue(ASCII.equalsFoldingCase("Keep-Alive", "keep-ALIVE"[...]))
        XCTAssertTrue(ASCII.equalsFoldingCase("x-secret-hop", "X-Secret-Hop"[...]))
        XCTAssertFalse(ASCII.equalsFoldingCase("Keep-Alive", "Keep-Alive2"[...]))
        XCTAssertFalse(ASCII.equalsFoldingCase("te", "tf"[...]))
        XCTAssertFalse(ASCII.equalsFoldingCase("a[", "A{"[...]), "only letters fold")
    }
}
