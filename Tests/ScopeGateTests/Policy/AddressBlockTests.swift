import XCTest
@testable import ScopeGateCore

final class AddressBlockTests: XCTestCase {
    func testContainsTable() throws {
        let cases: [(block: String, address: String, inside: Bool)] = [
            ("10.0.0.0/8", "10.1.2.3", true),
            ("10.0.0.0/8", "11.0.0.1", false),
            ("127.0.0.1", "127.0.0.1", true),
            ("127.0.0.1", "127.0.0.2", false),
            ("192.168.1.0/24", "192.168.1.255", true),
            ("192.168.1.0/25", "192.168.1.128", false),
            ("0.0.0.0/0", "8.8.8.8", true),
            ("::1/128", "::1", true),
            ("2001:db8::/32", "2001:db8:1::5", true),
            ("2001:db8::/32", "2001:db9::1", false),
            ("10.0.0.0/8", "::ffff:10.0.0.1", true),   // IPv4-mapped
            ("10.0.0.0/8", "not-an-ip", false),
        ]
        for testCase in cases {
            let block = try XCTUnwrap(AddressBlock(testCase.block), testCase.block)
            XCTAssertEqual(block.contains(testCase.address), testCase.inside, "\(testCase.block) ∋ \(testCase.address)")
        }
        for bad in ["10.0.0.0/33", "::1/129", "10.0.0/8", "host/8", "10.0.0.0/-1", ""] {
            XCTAssertNil(AddressBlock(bad), bad)
        }
    }
}
