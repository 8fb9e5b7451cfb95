import XCTest
@testable import ScopeGate

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
}
