import XCTest
@testable import ScopeGateUpstream
#if canImport(Glibc)
import Glibc
#endif

/// The epoll set of a curl loop, on real Unix-domain sockets.
final class ReadinessPollerTests: XCTestCase {
    /// A connected pair; `[0]` is watched, `[1]` writes to it.
    private func socketPair() throws -> [Int32] {
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0 else { throw POSIXError(.EMFILE) }
        return pair
    }

    private func ready(_ poller: ReadinessPoller) -> [Int32] {
        var ready: [ReadinessPoller.Ready] = []
        poller.wait(milliseconds: 0, into: &ready)
        return ready.map(\.socket)
    }

    func testAWatchedSocketIsReportedWhenReadable() throws {
        let poller = try ReadinessPoller()
        let pair = try socketPair()
        defer { close(pair[0]); close(pair[1]) }
        poller.watch(pair[0], for: .readable)
        XCTAssertEqual(ready(poller), [])
        XCTAssertEqual(write(pair[1], "x", 1), 1)
        XCTAssertEqual(ready(poller), [pair[0]])
    }

    /// A socket libcurl stops watching while it was watched for reading only stays in the set
    /// (cheap reuse of a kept-alive connection). libcurl may then close it (a connection that
    /// ends, the socket pair of a finished name resolution) and the next socket it makes gets
    /// the same number (the lowest free one), which libcurl asks to watch for reading again:
    /// that new socket is not in the set (a closed descriptor left it), and must be added.
    func testASocketNumberReusedAfterCloseIsWatchedAgain() throws {
        let poller = try ReadinessPoller()
        let first = try socketPair()
        let number = first[0]
        poller.watch(number, for: .readable)
        poller.forget(number)
        close(first[0])
        close(first[1])

        var second = try socketPair()
        // The new socket takes the old number, as the kernel gives it when it is the lowest free.
        if second[1] == number { second.swapAt(0, 1) }
        if second[0] != number {
            XCTAssertEqual(dup2(second[0], number), number)
            close(second[0])
            second[0] = number
        }
        defer { close(second[0]); close(second[1]) }
        poller.watch(number, for: .readable)
        XCTAssertEqual(write(second[1], "x", 1), 1)
        XCTAssertEqual(ready(poller), [number], "the new socket behind a reused number is watched")
    }

    /// Reusing a kept socket (not closed) for reading needs no new registration and still reports.
    func testAKeptSocketWatchedAgainIsReported() throws {
        let poller = try ReadinessPoller()
        let pair = try socketPair()
        defer { close(pair[0]); close(pair[1]) }
        poller.watch(pair[0], for: .readable)
        poller.forget(pair[0])
        poller.watch(pair[0], for: .readable)
        XCTAssertEqual(write(pair[1], "x", 1), 1)
        XCTAssertEqual(ready(poller), [pair[0]])
    }
}
