import XCTest
@testable import ScopeGateUpstream

final class UpstreamHopByHopHeadersTests: XCTestCase {
    private struct Case {
        let name: String
        let input: [(name: String, value: String)]
        let kept: [String]
    }

    private let cases: [Case] = [
        Case(name: "no hop-by-hop fields", input: [("Content-Type", "a"), ("X-A", "1")], kept: ["Content-Type", "X-A"]),
        Case(
            name: "always hop-by-hop, any case",
            input: [("connection", "keep-alive"), ("Keep-Alive", "timeout=5"), ("PROXY-CONNECTION", "x"), ("TE", "trailers"),
                    ("Trailer", "X"), ("Transfer-Encoding", "chunked"), ("Upgrade", "h2c"), ("Content-Length", "3")],
            kept: ["Content-Length"]
        ),
        Case(
            name: "fields named in Connection, case-insensitive, with OWS",
            input: [("Connection", " X-Foo ,x-BAR"), ("x-foo", "1"), ("X-Bar", "2"), ("X-Baz", "3")],
            kept: ["X-Baz"]
        ),
        Case(
            name: "several Connection fields",
            input: [("Connection", "x-a"), ("Connection", "X-B,,"), ("X-A", "1"), ("X-B", "2"), ("X-C", "3")],
            kept: ["X-C"]
        ),
        Case(
            name: "Proxy-Authenticate and Authorization are not hop-by-hop here",
            input: [("Proxy-Authenticate", "Basic"), ("Authorization", "Bearer x")],
            kept: ["Proxy-Authenticate", "Authorization"]
        ),
        Case(name: "empty Connection value", input: [("Connection", ""), ("X-A", "1")], kept: ["X-A"]),
    ]

    func testTable() {
        for c in cases {
            XCTAssertEqual(HopByHopHeaders.removing(from: c.input).map(\.name), c.kept, c.name)
        }
    }

    func testValuesAndOrderArePreserved() {
        let out = HopByHopHeaders.removing(from: [("B", "2"), ("Connection", "close"), ("A", "1"), ("B", "3")])
        XCTAssertEqual(out.map { "\($0.name)=\($0.value)" }, ["B=2", "A=1", "B=3"])
    }
}
