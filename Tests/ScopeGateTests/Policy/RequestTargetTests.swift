import XCTest
@testable import ScopeGateCore

final class RequestTargetTests: XCTestCase {
    func testNormalisationTable() {
        let cases: [(raw: String, path: String, query: String?)] = [
            ("/calendar", "/calendar", nil),
            ("/calendar/", "/calendar/", nil),
            ("/calendar/x?y=1&z", "/calendar/x", "y=1&z"),
            ("/calendar?", "/calendar", ""),
            ("//calendar//x", "/calendar/x", nil),
            ("/public/../admin", "/admin", nil),
            ("/public/%2e%2e/admin", "/admin", nil),
            ("/public/%2E%2E/admin", "/admin", nil),
            ("/public/.%2e/admin", "/admin", nil),
            ("/a/./b/.", "/a/b/", nil),
            ("/a/b/..", "/a/", nil),
            ("/../../etc", "/etc", nil),
            ("/..", "/", nil),
            ("/", "/", nil),
            ("/%7Euser/%61", "/~user/a", nil),
            ("/caf%c3%a9", "/caf%C3%A9", nil),
            ("/a%20b", "/a%20b", nil),
            ("/a%252e%252e/b", "/a%252e%252e/b", nil),
            ("/x:y@z!$&'()*+,=", "/x:y@z!$&'()*+,=", nil),
            ("http://example.com/calendar/x?q=1", "/calendar/x", "q=1"),
            ("HTTPS://example.com", "/", nil),
            ("http://example.com?q", "/", "q"),
            ("/q?a=/b/../c", "/q", "a=/b/../c"),
        ]
        for testCase in cases {
            switch RequestTarget.parse(testCase.raw) {
            case .success(let target):
                XCTAssertEqual(target.path, testCase.path, testCase.raw)
                XCTAssertEqual(target.query, testCase.query, testCase.raw)
            case .failure(let error):
                XCTFail("\(testCase.raw): \(error)")
            }
        }
    }

    func testRejectionTable() {
        let rejected = [
            "*",                       // asterisk-form
            "example.com:443",         // authority-form
            "calendar",                // relative
            "/calendar#frag",          // fragment
            "/a%2Fb",                  // encoded slash
            "/a%2fb",
            "/a%5Cb",                  // encoded backslash
            "/a\\b",                   // raw backslash
            "/admin;x=1",              // path parameter
            "/public/..;/admin",       // Tomcat-style traversal
            "/a%3Bb",                  // encoded semicolon
            "/a%00b",                  // NUL
            "/a%0d%0ab",               // CR LF
            "/a%7fb",                  // DEL
            "/a%",                     // truncated escape
            "/a%4",
            "/a%zz",
            "/a b",                    // space
            "/caf\u{e9}",              // raw non-ASCII
            "/a\"b", "/a<b", "/a>b", "/a`b", "/a{b", "/a|b", "/a^b",
            "/q?a b",                  // space in query
            "/q?a\u{7f}",              // DEL in query
            "http://",                 // no authority
            "http:///x",
            "http://user:secret@host/calendar",   // userinfo
        ]
        for raw in rejected {
            if case .success(let target) = RequestTarget.parse(raw) {
                XCTFail("\(raw.debugDescription) was accepted as \(target)")
            }
        }
    }

    /// Escapes of bytes >= 0x80 must stand for valid UTF-8 (RFC 3629), checked per run on the
    /// normalised path: lenient decoders read overlong forms as `.` or `/`.
    func testPercentEscapesMustBeUTF8() {
        let accepted: [(raw: String, path: String)] = [
            ("/caf%C3%A9", "/caf%C3%A9"),
            ("/caf%c3%a9", "/caf%C3%A9"),
            ("/price/%E2%82%AC", "/price/%E2%82%AC"),
            ("/%F0%9F%98%80", "/%F0%9F%98%80"),               // U+1F600, four bytes
            ("/%F4%8F%BF%BF", "/%F4%8F%BF%BF"),               // U+10FFFF, the last code point
            ("/%ED%9F%BF", "/%ED%9F%BF"),                     // U+D7FF, just below the surrogates
            ("/%C3%A9%20%C3%A9", "/%C3%A9%20%C3%A9"),         // runs split by an ASCII escape
            ("/a%C3%A9b%E2%82%AC", "/a%C3%A9b%E2%82%AC"),
            ("/x%C3/../%C3%A9", "/%C3%A9"),                   // the bad run is resolved away
        ]
        for testCase in accepted {
            switch RequestTarget.parse(testCase.raw) {
            case .success(let target): XCTAssertEqual(target.path, testCase.path, testCase.raw)
            case .failure(let error): XCTFail("\(testCase.raw): \(error)")
            }
        }
        let rejected = [
            "/appointments/%C0%AE%C0%AE/admin",   // overlong "."
            "/appointments/%c0%ae%c0%ae/admin",
            "/calendar/%C0%AF..%C0%AFappointments", // overlong "/"
            "/a%C1%81",                           // overlong "A" (lead byte C1)
            "/a%E0%80%AE",                        // three-byte overlong "."
            "/a%F0%80%80%AE",                     // four-byte overlong "."
            "/a%ED%A0%80",                        // surrogate U+D800
            "/a%ED%BF%BF",                        // surrogate U+DFFF
            "/a%F4%90%80%80",                     // U+110000, above U+10FFFF
            "/a%F5%80%80%80", "/a%F8", "/a%FE", "/a%FF",   // lead bytes that never occur
            "/a%80",                              // lone continuation byte
            "/a%BFb",
            "/a%C3%A9%A9",                        // continuation byte after a whole sequence
            "/a%E2%82",                           // truncated sequence
            "/a%E2%82/%AC",                       // a sequence split by "/"
            "/a%C3%20%A9",                        // a sequence split by an ASCII escape
            "/a%C3x",                             // a sequence cut by a raw byte
            "/a%C3/../b%A9",                      // invalid after normalisation
        ]
        for raw in rejected {
            switch RequestTarget.parse(raw) {
            case .success(let target): XCTFail("\(raw) was accepted as \(target)")
            case .failure(let error): XCTAssertEqual(error.description, "path has percent-escapes that are not UTF-8", raw)
            }
        }
    }
}
