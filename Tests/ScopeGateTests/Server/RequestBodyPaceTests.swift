import NIOCore
import XCTest
@testable import ScopeGateCore
@testable import ScopeGateServer

/// The arithmetic of a request body's deadlines, at fixed instants (no clock, no sleep).
final class RequestBodyPaceTests: XCTestCase {
    private let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000_000)
    private let defaults = RequestBodyPace.Rules(wholeBody: nil, minBytesPerSecond: 1024, grace: .seconds(10))

    func testNoBytesGetOnlyTheGrace() {
        let pace = RequestBodyPace(rules: defaults, start: t0)
        XCTAssertEqual(pace.deadline?.at, t0 + .seconds(10))
        XCTAssertEqual(pace.deadline?.limit, .minimumRate)
    }

    func testEveryByteEarnsTimeAtTheMinimumRate() {
        var pace = RequestBodyPace(rules: defaults, start: t0)
        pace.receive(1024)
        XCTAssertEqual(pace.deadline?.at, t0 + .seconds(11))
        pace.receive(512)
        XCTAssertEqual(pace.deadline?.at, t0 + .milliseconds(11_500))
        pace.receive(1)   // 1/1024 s = 976562.5 ns, rounded down
        XCTAssertEqual(pace.deadline?.at, t0 + .milliseconds(11_500) + .nanoseconds(976_562))
    }

    /// A 10 MiB upload (limits.max_body_bytes) at 1 Mbit/s takes 84 s: it keeps far ahead of its deadline.
    func testALargeUploadOnASlowLinkStaysAheadOfItsDeadline() {
        var pace = RequestBodyPace(rules: defaults, start: t0)
        let bytesPerSecond = 125_000
        for second in 1...84 {
            pace.receive(bytesPerSecond)
            XCTAssertGreaterThan(pace.deadline!.at, t0 + .seconds(Int64(second) * 100), "after \(second) s")
        }
    }

    /// One byte per second (the trickle of issue 13) runs out of grace just after 10 s.
    func testATrickleRunsOutOfGrace() {
        var pace = RequestBodyPace(rules: defaults, start: t0)
        var second: Int64 = 0
        while pace.deadline!.at > t0 + .seconds(second) {
            second += 1
            pace.receive(1)
        }
        XCTAssertEqual(second, 11)
    }

    func testTheWholeBodyDeadlineWinsWhenEarlier() {
        var pace = RequestBodyPace(rules: .init(wholeBody: .seconds(30), minBytesPerSecond: 1024, grace: .seconds(10)), start: t0)
        pace.receive(1 << 20)   // earns 1024 s at the rate
        XCTAssertEqual(pace.deadline?.at, t0 + .seconds(30))
        XCTAssertEqual(pace.deadline?.limit, .wholeBody)
    }

    func testNoRulesNeverExpire() {
        var pace = RequestBodyPace(rules: .init(wholeBody: nil, minBytesPerSecond: 0, grace: .zero), start: t0)
        pace.receive(5)
        XCTAssertNil(pace.deadline)
        XCTAssertFalse(pace.rules.isActive)
    }

    func testHeldTimeDoesNotCount() {
        var pace = RequestBodyPace(rules: .init(wholeBody: .seconds(30), minBytesPerSecond: 1024, grace: .seconds(10)), start: t0)
        pace.hold(at: t0 + .seconds(4))
        XCTAssertNil(pace.deadline, "no deadline while the gateway holds the reads")
        pace.receive(1024)   // bytes of a read already under way still count
        pace.hold(at: t0 + .seconds(5))   // idempotent: the first instant stays
        XCTAssertEqual(pace.elapsed(at: t0 + .seconds(100)), .seconds(4))
        pace.resume(at: t0 + .seconds(64))
        XCTAssertEqual(pace.start, t0 + .seconds(60))
        XCTAssertEqual(pace.deadline?.at, t0 + .seconds(71))
        XCTAssertEqual(pace.elapsed(at: t0 + .seconds(70)), .seconds(10))
        pace.resume(at: t0 + .seconds(80))   // not held: nothing moves
        XCTAssertEqual(pace.start, t0 + .seconds(60))
    }

    /// The byte count comes from the client: no count and no rate may trap.
    func testExtremeCountsSaturate() {
        var pace = RequestBodyPace(rules: .init(wholeBody: nil, minBytesPerSecond: 1, grace: .seconds(600)), start: t0)
        pace.receive(.max)
        pace.receive(.max)
        XCTAssertEqual(pace.receivedBytes, .max)
        XCTAssertEqual(pace.deadline?.at, .distantFuture)
        pace.receive(-5)
        XCTAssertEqual(pace.receivedBytes, .max)
        XCTAssertEqual(RequestBodyPace.nanoseconds(for: .max, at: 1 << 30), 8_589_934_591_999_999_999)   // (2^63 - 1) / 2^30 s
        XCTAssertEqual(RequestBodyPace.nanoseconds(for: 10, at: 0), .max)
        XCTAssertEqual(RequestBodyPace.nanoseconds(for: -10, at: 3), 0)
    }

    func testRulesFromTheListenSection() {
        let defaults = ClientDeadlines(ListenerConfig())
        XCTAssertEqual(defaults.body, RequestBodyPace.Rules(wholeBody: nil, minBytesPerSecond: 1024, grace: .seconds(10)))
        XCTAssertEqual(defaults.bodyIdle, .seconds(30))
        let set = ClientDeadlines(ListenerConfig(bodyTimeoutMilliseconds: 250, bodyMinBytesPerSecond: 0, bodyMinRateGraceMilliseconds: 0))
        XCTAssertEqual(set.body, RequestBodyPace.Rules(wholeBody: .milliseconds(250), minBytesPerSecond: 0, grace: .zero))
    }
}
