import Foundation
import Testing
@testable import ScopeGateCore
@testable import ScopeGateDemo


private typealias F = KeySourceFixtures

/// Every failed fetch cycle, whatever started it, schedules the next try at `retry_seconds`
/// with backoff, and the background loop is woken for it (issue 11).
@Suite("KeySource: retry after a failed fetch")
struct KeySourceRetryTests {
    /// Waits until the source logs a line `matching`, up to `seconds` of real time. The bound
    /// only decides failure; the wait ends on the event, not on a sleep.
    private static func waitForLine(
        _ log: LogRecorder, within seconds: Double, matching: @escaping @Sendable (String) -> Bool
    ) async -> String? {
        await withTaskGroup(of: String?.self) { group in
            group.addTask {
                for await line in log.lines where matching(line.message) { return line.message }
                return nil
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(seconds))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    /// The IdP blips during a key rotation: the refetch for the new `kid` fails. Before the
    /// fix the loop kept sleeping toward the old refresh time (here 600 s) and the new key
    /// stayed locked out; now the failed refetch wakes it and the keys are back within
    /// `retry_seconds` of the server's return.
    @Test("a failed unknown-kid refetch is retried by the loop after retry_seconds: the new key is in")
    func refetchFailureRetried() async throws {
        try await KeySourceHarness.with { h in
            h.server.serveJWKS("/keys", [F.ec1], cacheControl: "max-age=600")
            let source = h.source(.jwksURL(h.server.url("/keys")), policy: .init(retrySeconds: 1))
            source.start()
            defer { source.stop() }
            let loaded = await Self.waitForLine(h.log, within: 10) { $0.contains("1 key(s)") }
            #expect(loaded != nil)
            #expect(source.nextRefresh == F.start.addingTimeInterval(600))

            // The IdP fails; a token with the rotated kid arrives: its refetch fails.
            h.server.failAll(503)
            #expect(await source.refetchAndWait("ec-2") == false)
            #expect(source.nextRefresh == h.clock.date.addingTimeInterval(1))

            // The IdP comes back with the rotated set; the retry time passes on the clock.
            h.server.failAll(nil)
            h.server.serveJWKS("/keys", [F.ec1, F.ec2], cacheControl: "max-age=600")
            h.clock.advance(seconds: 1)
            let back = await Self.waitForLine(h.log, within: 10) { $0.contains("2 key(s)") }
            #expect(back != nil, "the loop did not retry within 10 s of real time")
            #expect(source.keyIDs == ["ec-1", "ec-2"])
            #expect(source.nextRefresh == h.clock.date.addingTimeInterval(600))
        }
    }

    private static let good = HTTPFetchResult(status: 200, body: DemoKeyPair.jwksJSON([F.ec1.publicJWK()]), cacheControl: "max-age=300")

    /// Backoff is per source and counts failed cycles whatever started them.
    @Test("consecutive failures back off from any start: 10, 20, 40, 60, 60; a success resets")
    func backoffAcrossStarts() async {
        let fetcher = ScriptedFetcher(.failure(.transport("down")))
        let clock = ManualClock()
        let log = LogRecorder()
        let source = RemoteJWKSSource(location: .jwksURL("https://id.example/keys"), allowed: F.allowed,
                                      policy: .init(), fetcher: fetcher, clock: clock.closure, log: log.closure)
        func retry() -> Double? { source.nextRefresh?.timeIntervalSince(clock.date) }

        #expect(await source.refreshNow() == false)             // initial load
        #expect(retry() == 10)
        #expect(log.all.last?.hasSuffix("retry in 10 s") == true)
        clock.advance(seconds: 10)
        #expect(await source.refetchAndWait("k") == false)      // unknown-kid refetch
        #expect(retry() == 20)
        clock.advance(seconds: 20)
        #expect(await source.refreshNow() == false)
        #expect(retry() == 40)
        clock.advance(seconds: 40)
        #expect(await source.refetchAndWait("k") == false)
        #expect(retry() == 60)                                  // capped at max(retry 10, min 60)
        clock.advance(seconds: 60)
        #expect(await source.refreshNow() == false)
        #expect(retry() == 60)
        #expect(log.all.last?.hasSuffix("retry in 60 s") == true)

        fetcher.set(.success(Self.good))
        #expect(await source.refreshNow())
        #expect(retry() == 300)
        fetcher.set(.failure(.transport("down again")))
        clock.advance(seconds: 300)
        #expect(await source.refreshNow() == false)
        #expect(retry() == 10)                                  // reset by the success
    }

    /// (retry_seconds, min_seconds, max_seconds, consecutive failures, seconds).
    static let intervals: [(Int, Int, Int, Int, Int)] = [
        (10, 60, 3600, 1, 10),
        (10, 60, 3600, 2, 20),
        (10, 60, 3600, 3, 40),
        (10, 60, 3600, 4, 60),
        (10, 60, 3600, 50, 60),
        (10, 60, 3600, Int.max, 60),
        (10, 60, 3600, 0, 10),
        (10, 60, 3600, Int.min, 10),   // used to trap computing failures - 1
        (120, 60, 3600, 1, 120),       // retry above min: no growth
        (120, 60, 3600, 5, 120),
        (1, 1, 3600, 9, 1),
        (0, 60, 3600, 1, 1),           // at least 1 s
        (0, 60, 3600, 7, 60),
        (5000, 60, 3600, 1, 3600),     // capped at max_seconds
        (7, 100, 3600, 5, 100),        // 7, 14, 28, 56, then the cap
    ]

    @Test("retryInterval(afterFailures:)", arguments: intervals)
    func interval(retry: Int, minimum: Int, maximum: Int, failures: Int, expected: Int) {
        let policy = JWKSRefreshPolicy(minimumSeconds: minimum, maximumSeconds: maximum, retrySeconds: retry)
        #expect(policy.retryInterval(afterFailures: failures) == expected)
    }
}
