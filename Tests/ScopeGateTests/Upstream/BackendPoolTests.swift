import Foundation
import Testing
@testable import ScopeGateCore
@testable import ScopeGateUpstream

/// Instance choice and passive health, with an injected clock (no sleeping).
struct BackendPoolTests {
    /// A settable instant, for ejection expiry.
    final class TestClock: @unchecked Sendable {
        private let lock = NSLock()
        private var instant = Date(timeIntervalSince1970: 1_800_000_000)
        var now: Date { lock.withLock { instant } }
        func advance(seconds: TimeInterval) { lock.withLock { instant += seconds } }
    }

    private func pool(_ urls: [String], balance: BalanceStrategy = .roundRobin, ejectAfter: Int = 3,
                      ejectSeconds: Int = 10, clock: TestClock = TestClock()) -> BackendPool {
        BackendPool(backend: BackendConfig(name: "b", instances: urls, balance: balance, ejectAfterFailures: ejectAfter,
                                           ejectSeconds: ejectSeconds),
                    clock: { clock.now })
    }

    @Test func roundRobinTakesEachInstanceInTurn() {
        let pool = pool(["http://a", "http://b", "http://c"])
        var picked: [String] = []
        for _ in 0..<6 {
            let instance = pool.acquire()!
            picked.append(instance.url)
            pool.finish(instance, outcome: .responded)
        }
        #expect(picked == ["http://a", "http://b", "http://c", "http://a", "http://b", "http://c"])
    }

    @Test func leastInFlightPrefersTheIdleInstance() {
        let pool = pool(["http://a", "http://b"], balance: .leastInFlight)
        let first = pool.acquire()!
        let second = pool.acquire()!
        #expect(first.url != second.url)
        let third = pool.acquire()!   // both busy once: ties fall back to turn order
        pool.finish(second, outcome: .responded)
        // `second`'s instance now has the fewest transfers under way.
        let fourth = pool.acquire()!
        #expect(fourth.index == second.index)
        #expect(third.index == first.index)
        let busy = pool.statuses.map(\.inFlight)
        #expect(busy.reduce(0, +) == 3)
    }

    @Test func excludedInstancesAreNotChosen() {
        let pool = pool(["http://a", "http://b"])
        #expect(pool.acquire(excluding: [0])?.url == "http://b")
        #expect(pool.acquire(excluding: [0, 1]) == nil)
    }

    @Test func consecutiveConnectFailuresEjectUntilTheTimeIsUp() {
        let clock = TestClock()
        let pool = pool(["http://a", "http://b"], ejectAfter: 2, ejectSeconds: 10, clock: clock)
        let a = BackendPool.Instance(index: 0, url: "http://a")
        _ = pool.acquire(excluding: [1])
        pool.finish(a, outcome: .connectFailed)
        #expect(pool.statuses[0].ejectedUntil == nil)   // one failure is not enough
        _ = pool.acquire(excluding: [1])
        pool.finish(a, outcome: .connectFailed)
        #expect(pool.statuses[0].ejectedUntil == clock.now + 10)
        // Ejected: every pick goes to b.
        for _ in 0..<4 {
            let instance = pool.acquire()!
            #expect(instance.url == "http://b")
            pool.finish(instance, outcome: .responded)
        }
        clock.advance(seconds: 9.9)
        #expect(pool.acquire(excluding: []).map(\.url) == "http://b")
        clock.advance(seconds: 0.1)
        // Back in rotation; a single further failure ejects it again (its streak was not cleared).
        let retried = pool.acquire()!
        #expect(retried.url == "http://a")
        pool.finish(retried, outcome: .connectFailed)
        #expect(pool.statuses[0].ejectedUntil == clock.now + 10)
        // A response clears the streak and the ejection.
        let later = pool.acquire(excluding: [1])!
        pool.finish(later, outcome: .responded)
        #expect(pool.statuses[0].consecutiveFailures == 0)
        #expect(pool.statuses[0].ejectedUntil == nil)
    }

    @Test func whenAllAreEjectedTheOneEjectedLongestAgoIsTried() {
        let clock = TestClock()
        let pool = pool(["http://a", "http://b"], ejectAfter: 1, ejectSeconds: 60, clock: clock)
        let b = pool.acquire(excluding: [0])!
        pool.finish(b, outcome: .connectFailed)      // b ejected first
        clock.advance(seconds: 5)
        let a = pool.acquire(excluding: [1])!
        pool.finish(a, outcome: .connectFailed)      // then a
        #expect(pool.statuses.allSatisfy { $0.ejectedUntil != nil })
        #expect(pool.acquire()?.url == "http://b")
    }

    @Test func timeoutsAndResetsDoNotCountTowardsEjection() {
        let pool = pool(["http://a"], ejectAfter: 1)
        let a = pool.acquire()!
        pool.finish(a, outcome: .other)
        #expect(pool.statuses[0] == BackendPool.InstanceStatus(url: "http://a", inFlight: 0, attempts: 1, connectFailures: 0,
                                                               consecutiveFailures: 0, ejectedUntil: nil))
    }
}
