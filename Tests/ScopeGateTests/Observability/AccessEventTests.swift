import Foundation
import XCTest
@testable import ScopeGateObservability

final class AccessEventTests: XCTestCase {
    private let time = Date(timeIntervalSince1970: 1_800_000_000.25)

    func testLineHasEveryFieldInOrder() throws {
        let event = AccessEvent(time: time, requestID: "r-1", client: "10.0.0.7", method: "GET", path: "/a/b", route: "/a",
                                backend: "svc", status: 200, duration: 12.3456, upstream: 10.0004, bytesIn: 3, bytesOut: 512,
                                subject: "alice", clientID: "app")
        XCTAssertEqual(event.line, #"{"time":"2027-01-15T08:00:00.250Z","event":"access","request_id":"r-1","client":"10.0.0.7","method":"GET","path":"/a/b","route":"/a","backend":"svc","status":200,"duration_ms":12.346,"upstream_ms":10,"bytes_in":3,"bytes_out":512,"sub":"alice","client_id":"app"}"# + "\n")
    }

    func testAShadowedDenialIsNamedByItsReason() throws {
        let event = AccessEvent(time: time, requestID: "r-3", client: nil, method: "GET", path: "/a", route: "/a",
                                backend: "svc", status: 200, duration: 1, upstream: 1, bytesIn: 0, bytesOut: 2,
                                subject: nil, clientID: nil, wouldDeny: .missingToken)
        XCTAssertTrue(event.line.hasSuffix(#""bytes_out":2,"would_deny":"missing_token"}"# + "\n"), event.line)
    }

    func testCutExchangeWithoutResponseHeadOrToken() throws {
        let event = AccessEvent(time: time, requestID: "r-2", client: nil, method: "POST", path: "/a", route: "/a",
                                backend: "svc", status: 502, cut: true, duration: 0.0005, upstream: nil, bytesIn: 0,
                                bytesOut: 0, subject: nil, clientID: nil)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(event.line.utf8)) as? [String: Any])
        XCTAssertEqual(object["cut"] as? Bool, true)
        XCTAssertEqual(object["duration_ms"] as? Double, 0.001)
        XCTAssertNil(object["upstream_ms"])
        XCTAssertNil(object["sub"])
    }

    func testTokenShapedRunsInPathAndRequestIDAreRedacted() {
        let jws = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLWJ5dGVz"
        let event = AccessEvent(time: time, requestID: jws, client: nil, method: "GET", path: "/a/\(jws)", route: "/a",
                                backend: "svc", status: 200, duration: 1, upstream: 1, bytesIn: 0, bytesOut: 0,
                                subject: nil, clientID: nil)
        XCTAssertFalse(event.line.contains(jws))
    }

    func testMillisecondsKeepMicrosecondsWithoutTrailingZeros() {
        for (value, text) in [(0.0, "0"), (1.5, "1.5"), (2.05, "2.05"), (3.1234, "3.123"), (-1.0, "0"), (1000.0, "1000")] {
            var line = JSONLine()
            line.addMilliseconds("m", value)
            XCTAssertEqual(line.finish(), #"{"m":\#(text)}"# + "\n", "\(value)")
        }
    }
}
