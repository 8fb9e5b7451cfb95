import Foundation
import XCTest
@testable import ScopeGateCore
@testable import ScopeGateObservability

final class StatsEventTests: XCTestCase {
    func testCacheLineCarriesTheCounters() throws {
        var statistics = VerificationCache.Statistics()
        statistics.hits = 7
        statistics.misses = 3
        statistics.count = 2
        let line = StatsEvent.cacheLine(statistics, time: Date(timeIntervalSince1970: 0))
        XCTAssertTrue(line.hasSuffix("\n"))
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        XCTAssertEqual(object["event"] as? String, "stats")
        XCTAssertEqual(object["cache_hits"] as? Int, 7)
        XCTAssertEqual(object["cache_misses"] as? Int, 3)
        XCTAssertEqual(object["cache_entries"] as? Int, 2)
        XCTAssertEqual(object["time"] as? String, "1970-01-01T00:00:00.000Z")
        let disabled = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(StatsEvent.cacheLine(nil, time: Date()).utf8)) as? [String: Any])
        XCTAssertEqual(disabled["cache_enabled"] as? Bool, false)
        XCTAssertNil(disabled["cache_hits"])
    }
}
