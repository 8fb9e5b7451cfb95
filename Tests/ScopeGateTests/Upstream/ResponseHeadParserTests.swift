import XCTest
@_spi(Fuzzing) @testable import ScopeGateUpstream

final class UpstreamResponseHeadParserTests: XCTestCase {
    /// Feeds lines as libcurl would (one call per line, CRLF included); returns the heads produced.
    private func parse(_ lines: [String]) -> [UpstreamResponseHead] {
        parseWithViolation(lines).heads
    }

    private func parseWithViolation(_ lines: [String]) -> (heads: [UpstreamResponseHead], violation: ResponseHeadParser.Violation?) {
        var parser = ResponseHeadParser()
        var heads: [UpstreamResponseHead] = []
        for line in lines {
            var bytes = Array(line.utf8)
            if let head = bytes.withUnsafeMutableBytes({ parser.feed(UnsafeRawBufferPointer($0)) }) { heads.append(head) }
        }
        return (heads, parser.violation)
    }

    private func names(_ head: UpstreamResponseHead?) -> [String] { head?.headers.map { "\($0.name)=\($0.value)" } ?? [] }

    func testSimpleResponse() {
        let heads = parse(["HTTP/1.1 201 Created\r\n", "Content-Type: text/plain\r\n", "Content-Length:  5 \r\n", "\r\n"])
        XCTAssertEqual(heads.count, 1)
        XCTAssertEqual(heads.first?.status, 201)
        XCTAssertEqual(names(heads.first), ["Content-Type=text/plain", "Content-Length=5"])
    }

    func testInterimResponsesAreSkipped() {
        let heads = parse(["HTTP/1.1 100 Continue\r\n", "\r\n", "HTTP/1.1 103 Early Hints\r\n", "Link: </a>\r\n", "\r\n",
                           "HTTP/1.1 200 OK\r\n", "X-A: 1\r\n", "\r\n"])
        XCTAssertEqual(heads.map(\.status), [200])
        XCTAssertEqual(names(heads.first), ["X-A=1"])
    }

    func testHopByHopDroppedAndTrailersIgnored() {
        let heads = parse(["HTTP/1.1 200 OK\r\n", "Transfer-Encoding: chunked\r\n", "Connection: X-Secret\r\n", "X-Secret: s\r\n",
                           "X-B: 2\r\n", "\r\n", "X-Trailer: t\r\n", "\r\n"])
        XCTAssertEqual(heads.count, 1)
        XCTAssertEqual(names(heads.first), ["X-B=2"])
    }

    func testMalformedFieldsAreDroppedAndObsFoldJoined() {
        let heads = parse(["HTTP/1.1 200 OK\n", "Bad Name: x\r\n", "NoColon\r\n", ": empty\r\n", "X-Ctl: a\u{1}b\r\n",
                           "X-Fold: a\r\n", "\t b\r\n", "X-Ok: v\n", "\n"])
        XCTAssertEqual(names(heads.first), ["X-Fold=a b", "X-Ok=v"])
    }

    /// RFC 9112 §6.3: with Transfer-Encoding every Content-Length goes; without it, one
    /// decimal number or a framing error (a proxy answers 502). Repeated equal values fold.
    func testContentLengthIsTheBodysFramingOrAnError() {
        let withTE = parse(["HTTP/1.1 200 OK", "Content-Length: 2", "Transfer-Encoding: chunked", ""]).first
        XCTAssertEqual(names(withTE), [])
        XCTAssertNil(withTE?.framingError)
        let folded = parse(["HTTP/1.1 200 OK", "Content-Length: 5", "X: y", "content-length: 5, 5", ""]).first
        XCTAssertEqual(names(folded), ["X=y", "Content-Length=5"])
        XCTAssertNil(folded?.framingError)
        for bad in [["2", "60"], ["2, 60"], ["+2"], ["-1"], ["2abc"], [""], ["0x2"]] {
            let head = parse(["HTTP/1.1 200 OK"] + bad.map { "Content-Length: \($0)" } + [""]).first
            XCTAssertNotNil(head?.framingError, "\(bad)")
            XCTAssertFalse(names(head).contains { $0.hasPrefix("Content-Length") }, "\(bad)")
        }
    }

    /// A backend's `Content-Length` of digits beyond `Int` (2^63 and up) is a framing error (502),
    /// never a number the relay or libcurl's length bookkeeping could trap on; `Int.max` itself
    /// is a length like any other.
    func testContentLengthBeyondIntIsAFramingError() {
        for huge in ["9223372036854775808", "99999999999999999999999999"] {
            let head = parse(["HTTP/1.1 200 OK", "Content-Length: \(huge)", ""]).first
            XCTAssertNotNil(head?.framingError, huge)
            XCTAssertFalse(names(head).contains { $0.hasPrefix("Content-Length") }, huge)
            XCTAssertNil(head.flatMap { CurlEasyHandle.bodyLength(of: $0, method: "GET") }, huge)
        }
        let largest = parse(["HTTP/1.1 200 OK", "Content-Length: 9223372036854775807", ""]).first
        XCTAssertNil(largest?.framingError)
        XCTAssertEqual(largest.flatMap { CurlEasyHandle.bodyLength(of: $0, method: "GET") }, Int.max)
    }

    /// An obs-fold line after a dropped (malformed) field does not join the field before it.
    func testFoldAfterADroppedFieldIsDroppedToo() {
        let head = parse(["HTTP/1.1 200 OK", "Set-Cookie: s=1", "Bad Name: x", " ; Domain=evil.example", "A: b", " c", ""]).first
        XCTAssertEqual(names(head), ["Set-Cookie=s=1", "A=b c"])
    }

    func testStatusLineTable() {
        let table: [(String, Int?)] = [
            ("HTTP/1.1 200 OK", 200), ("HTTP/1.0 404", 404), ("HTTP/2 503 x", 503), ("HTTP/2 200", 200), ("HTTP/2 20", nil), ("HTTP/1.1 20 OK", nil),
            ("HTTP/1.1 2000 OK", nil), ("http/1.1 200 OK", nil), ("HTTP/1.1 abc OK", nil), ("HTTP/1.1 099 OK", nil),
        ]
        for (line, expected) in table {
            let status = Array(line.utf8).withUnsafeBytes { ResponseHeadParser.parseStatusLine($0) }
            XCTAssertEqual(status, expected, line)
        }
    }

    /// A block that cannot start the response to a request the gateway sent stops the parse:
    /// nothing after it is taken, not even a final head (libcurl would read on for ever).
    func testBlocksThatCannotStartTheResponseAreViolations() {
        let table: [(name: String, lines: [String], violation: ResponseHeadParser.Violation?)] = [
            ("101 to a request without Upgrade", ["HTTP/1.1 101 Switching Protocols\r\n", "Upgrade: websocket\r\n", "\r\n",
                                                 "HTTP/1.1 200 OK\r\n", "\r\n"], .unsolicitedSwitchingProtocols),
            ("101 after an interim 103", ["HTTP/1.1 103 Early Hints\r\n", "\r\n", "HTTP/1.1 101 Switching Protocols\r\n", "\r\n"],
             .unsolicitedSwitchingProtocols),
            ("status below 100", ["HTTP/1.1 099 Odd\r\n", "Content-Length: 2\r\n", "\r\n"], .invalidStatusLine),
            ("no status line", ["Content-Length: 2\r\n", "\r\n"], .invalidStatusLine),
            ("an empty line first", ["\r\n", "HTTP/1.1 200 OK\r\n", "\r\n"], .invalidStatusLine),
            ("100, 102 and 103 unasked for", ["HTTP/1.1 100 Continue\r\n", "\r\n", "HTTP/1.1 102 Processing\r\n", "\r\n",
                                              "HTTP/1.1 103 Early Hints\r\n", "Link: </a>\r\n", "\r\n", "HTTP/1.1 200 OK\r\n", "\r\n"], nil),
        ]
        for testCase in table {
            let (heads, violation) = parseWithViolation(testCase.lines)
            XCTAssertEqual(violation, testCase.violation, testCase.name)
            XCTAssertEqual(heads.map(\.status), testCase.violation == nil ? [200] : [], testCase.name)
        }
    }
}
