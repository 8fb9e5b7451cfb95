import CCurl
import XCTest
@testable import ScopeGateUpstream

/// ``CurlHeaderList``: the lines libcurl reads are exactly the ones appended, across growth
/// of both buffers and across reuse for a later transfer.
final class CurlHeaderListTests: XCTestCase {
    private func lines(of list: UnsafeMutablePointer<curl_slist>?) -> [String] {
        var result: [String] = []
        var node = list
        while let current = node {
            result.append(String(cString: current.pointee.data))
            node = current.pointee.next
        }
        return result
    }

    func testLinesSurviveGrowthAndReuse() {
        var list = CurlHeaderList()
        XCTAssertNil(list.link(), "an empty list is no list")
        // More lines than the first node buffer holds, and more bytes than the first byte buffer.
        var expected: [String] = []
        for index in 0..<40 {
            let value = String(repeating: "v\(index)", count: index * 3)
            list.append(name: "X-Header-\(index)", value: value)
            expected.append(value.isEmpty ? "X-Header-\(index);" : "X-Header-\(index): \(value)")
        }
        list.append(line: "Expect:")
        expected.append("Expect:")
        XCTAssertEqual(lines(of: list.link()), expected)
        XCTAssertEqual(list.count, 41)

        list.removeAll()
        list.append(name: "Accept", value: "")
        list.append(name: "Host", value: "api.example")
        XCTAssertEqual(lines(of: list.link()), ["Accept;", "Host: api.example"], "a reused list holds only the new lines")
    }
}
