#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import XCTest
@testable import ScopeGateUpstream

/// The reuse check on a real socket pair: the guard's side is the gateway's connection, the
/// other end the backend's.
final class ConnectionReuseGuardTests: XCTestCase {
    private var pair: [Int32] = [-1, -1]

    override func setUp() {
        pair = [-1, -1]
        XCTAssertEqual(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair), 0)
    }

    override func tearDown() {
        for fd in pair where fd >= 0 { close(fd) }
    }

    private let address = ConnectionReuseGuard.Address(localPort: 40000, peerPort: 8080, peerIP: "127.0.0.1")

    func testAQuietConnectionMayCarryARequest() {
        let reuseGuard = ConnectionReuseGuard()
        reuseGuard.kept(socket: pair[0], at: address)
        XCTAssertTrue(reuseGuard.mayCarryRequest(address))
        XCTAssertTrue(reuseGuard.mayCarryRequest(address), "checking reads nothing")
    }

    func testBytesWaitingOrTheEndOfTheStreamRefuseIt() {
        let reuseGuard = ConnectionReuseGuard()
        reuseGuard.kept(socket: pair[0], at: address)
        XCTAssertEqual(write(pair[1], "HTTP/1.1 200 OK\r\n", 17), 17)
        XCTAssertFalse(reuseGuard.mayCarryRequest(address), "bytes after the response")
        var sink = [UInt8](repeating: 0, count: 64)
        XCTAssertEqual(read(pair[0], &sink, 64), 17, "the peek left the bytes in place")
        XCTAssertTrue(reuseGuard.mayCarryRequest(address))
        close(pair[1])
        pair[1] = -1
        XCTAssertFalse(reuseGuard.mayCarryRequest(address), "closed by the backend")
    }

    func testAConnectionNotOnRecordIsNotChecked() {
        let reuseGuard = ConnectionReuseGuard()
        XCTAssertTrue(reuseGuard.mayCarryRequest(address))
    }

    /// libcurl closes sockets through the guard: the record goes with the socket, so a later
    /// socket with the same number is never taken for the old connection.
    func testClosingForgetsTheSocket() {
        let reuseGuard = ConnectionReuseGuard()
        reuseGuard.kept(socket: pair[0], at: address)
        XCTAssertEqual(write(pair[1], "x", 1), 1)
        XCTAssertEqual(reuseGuard.closing(socket: pair[0]), 0)
        pair[0] = -1
        XCTAssertEqual(reuseGuard.count, 0)
        XCTAssertTrue(reuseGuard.mayCarryRequest(address))
    }

    func testASocketKeptAtANewAddressLeavesItsOldOne() {
        let reuseGuard = ConnectionReuseGuard()
        let other = ConnectionReuseGuard.Address(localPort: 40001, peerPort: 8080, peerIP: "127.0.0.1")
        reuseGuard.kept(socket: pair[0], at: address)
        reuseGuard.kept(socket: pair[0], at: other)
        XCTAssertEqual(reuseGuard.count, 1)
        XCTAssertEqual(write(pair[1], "x", 1), 1)
        XCTAssertTrue(reuseGuard.mayCarryRequest(address), "no longer on record")
        XCTAssertFalse(reuseGuard.mayCarryRequest(other))
    }
}
