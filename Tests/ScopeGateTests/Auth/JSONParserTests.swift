import Testing
@testable import ScopeGateCore


@Suite("Auth: JSONParser")
struct AuthJSONParserTests {
    /// JSON text and the value it must parse to.
    static let accepted: [(String, JSONValue)] = [
        ("true", .bool(true)),
        ("1", .number(1)),
        ("-1.5e3", .number(-1500)),
        ("1e400", .number(.infinity)),
        (#""a\n\u00e9\ud83d\ude00\/""#, .string("a\né😀/")),
        (#""é""#, .string("é")),
        (#" {"a": [1, {"b": null}]} "#, .object(["a": .array([.number(1), .object(["b": .null])])])),
        // Strings without escapes take a fast path; with one anywhere, the byte-by-byte one.
        (#"["plain", "", "tail\\", "\"head", "mid\"dle", "日本"]"#,
         .array([.string("plain"), .string(""), .string("tail\\"), .string("\"head"), .string("mid\"dle"), .string("日本")])),
    ]

    /// ``JSONParser/maxDepth`` levels of arrays and objects are accepted (the limit is inclusive).
    @Test("nesting of exactly 32 is accepted")
    func acceptsTheDeepestNesting() {
        let text = String(repeating: "[", count: 16) + String(repeating: "{\"a\":", count: 16) + "1"
            + String(repeating: "}", count: 16) + String(repeating: "]", count: 16)
        var expected = JSONValue.number(1)
        for _ in 0..<16 { expected = .object(["a": expected]) }
        for _ in 0..<16 { expected = .array([expected]) }
        #expect(JSONParser.parse(Array(text.utf8)) == expected)
    }

    @Test("accepted document", arguments: accepted)
    func accepts(_ text: String, _ expected: JSONValue) {
        #expect(JSONParser.parse(Array(text.utf8)) == expected)
    }

    static let rejected: [(String, [UInt8])] = [
        ("duplicate member name", Array(#"{"exp":1,"exp":2}"#.utf8)),
        ("duplicate nested member name", Array(#"{"a":{"b":1,"b":1}}"#.utf8)),
        ("leading zero", Array(#"{"a":01}"#.utf8)),
        ("lone surrogate", Array(#"{"a":"\ud800"}"#.utf8)),
        ("raw control character", Array("{\"a\":\"\u{1}\"}".utf8)),
        ("trailing comma", Array(#"{"a":1,}"#.utf8)),
        ("bad literal", Array(#"{"a":tru}"#.utf8)),
        ("trailing garbage", Array(#"{"a":1} x"#.utf8)),
        ("nesting deeper than 32", Array((String(repeating: "[", count: 40) + String(repeating: "]", count: 40)).utf8)),
        ("nesting of 33, one past the limit", Array((String(repeating: "[", count: 33) + String(repeating: "]", count: 33)).utf8)),
        ("nesting of 100 000 (no unbounded recursion)", Array((String(repeating: "{\"a\":", count: 100_000) + "1"
                                                               + String(repeating: "}", count: 100_000)).utf8)),
        ("invalid UTF-8", [0x22, 0xFF, 0x22]),
        ("invalid UTF-8 after an escape", [0x22, 0x5C, 0x6E, 0xFF, 0x22]),
        ("truncated UTF-8 sequence", [0x22, 0xE6, 0x97, 0x22]),
        ("unterminated string", Array(#"{"a":"abc"#.utf8)),
        ("unterminated string after an escape", Array(#"{"a":"ab\n"#.utf8)),
        ("control character after plain bytes", Array("\"abc\u{1F}\"".utf8)),
        ("single quotes", Array("{'a':1}".utf8)),
        ("empty", []),
    ]

    @Test("rejected document", arguments: rejected)
    func rejects(_ name: String, _ bytes: [UInt8]) {
        #expect(JSONParser.parse(bytes) == nil)
    }
}
