import Foundation
import NIOCore
import NIOPosix
import ScopeGateCore
import XCTest
@testable import ScopeGateUpstream

/// The upstream pool's retry rule (``UpstreamRetryRule``, applied by ``UpstreamForward``) over
/// real sockets: a closed port on 127.0.0.1 is a dead instance (connect refused), the
/// EchoBackend a live one, behind a real CurlEngine on the event loops. Each test checks the
/// delegate calls in order and the pool's counters, in flight included, once the forward ended.
final class UpstreamPoolRetryTests: UpstreamEngineTestCase {
    /// Records a forward's delegate calls in order (on the event loop) and completes `done` at
    /// the final one. `@unchecked Sendable`: touched on `eventLoop` only (the test hops there).
    final class Recorder: UpstreamForwardDelegate, @unchecked Sendable {
        let eventLoop: any EventLoop
        private let promise: EventLoopPromise<[String]>
        private let retriedPromise: EventLoopPromise<Void>
        /// The calls, once the forward finished or failed (or ``complete()`` was called).
        var done: EventLoopFuture<[String]> { promise.futureResult }
        /// Succeeds at the first retry notification (the failed attempt's transfer is gone by then).
        var retried: EventLoopFuture<Void> { retriedPromise.futureResult }
        /// "retry <instance index> <reason>", "head", "body" (once for consecutive parts), "finish", "fail <reason>".
        private(set) var calls: [String] = []
        private(set) var head: UpstreamResponseHead?
        private(set) var body = ByteBuffer()
        var forward: UpstreamForward?
        /// Runs inside each retry notification, before the next attempt starts.
        var onRetry: ((Recorder) -> Void)?

        init(eventLoop: any EventLoop) {
            self.eventLoop = eventLoop
            self.promise = eventLoop.makePromise()
            self.retriedPromise = eventLoop.makePromise()
        }

        deinit {
            promise.fail(CancellationError())          // no-ops when completed
            retriedPromise.fail(CancellationError())
        }

        /// Completes `done` for a forward that is not expected to report again (cancelled).
        func complete() { promise.succeed(calls) }

        func upstreamWillRetry(after error: UpstreamError, on instance: BackendPool.Instance) {
            eventLoop.preconditionInEventLoop()
            calls.append("retry \(instance.index) \(error.reason.rawValue)")
            retriedPromise.succeed(())
            onRetry?(self)
        }

        func upstreamDidReceiveHead(_ head: UpstreamResponseHead) {
            eventLoop.preconditionInEventLoop()
            calls.append("head")
            self.head = head
        }

        func upstreamDidReceiveBodyPart(_ part: ByteBuffer) {
            eventLoop.preconditionInEventLoop()
            if calls.last != "body" { calls.append("body") }
            var part = part
            body.writeBuffer(&part)
        }

        func upstreamDidFinish() {
            eventLoop.preconditionInEventLoop()
            calls.append("finish")
            promise.succeed(calls)
        }

        func upstreamDidFail(_ error: UpstreamError, afterHead: Bool) {
            eventLoop.preconditionInEventLoop()
            calls.append("fail \(error.reason.rawValue)")
            promise.succeed(calls)
        }
    }

    private static let connectFailed = ReasonCode.upstreamConnectFailed.rawValue

    private var liveURL: String { "http://127.0.0.1:\(backend.port)" }

    /// A URL on 127.0.0.1 whose port nothing listens on: every connect is refused.
    private func deadURL() async throws -> String { "http://127.0.0.1:\(try await unusedPort(group: group))" }

    private func makePool(_ instances: [String], retries: Int = 1) -> (BackendConfig, BackendPool) {
        let config = BackendConfig(name: "b", instances: instances, retries: retries)
        return (config, BackendPool(backend: config, clock: { Date() }))
    }

    /// Starts a forward of `request` on the test's event loop; `started` runs right after the start, there.
    private func forward(_ request: UpstreamForward.Request, _ config: BackendConfig, _ pool: BackendPool,
                         started: @escaping @Sendable (Recorder) -> Void = { _ in }) async throws -> Recorder {
        let recorder = Recorder(eventLoop: loop)
        let engine = self.engine!
        try await loop.submit {
            let forward = UpstreamForward(request, backend: config, pool: pool, engine: engine)!
            recorder.forward = forward
            forward.start(on: recorder.eventLoop, delegate: recorder)
            started(recorder)
        }.get()
        return recorder
    }

    private func onLoop<T: Sendable>(_ body: @escaping @Sendable () -> T) async throws -> T {
        try await loop.submit(body).get()
    }

    private func echo(_ recorder: Recorder) async throws -> EchoedRequest {
        let body = try await onLoop { recorder.body }
        return try JSONDecoder().decode(EchoedRequest.self, from: Data(body.readableBytesView))
    }

    // MARK: Retried

    func testAConnectFailureIsRetriedOnAnotherInstance() async throws {
        let dead = try await deadURL()
        let (config, pool) = makePool([dead, liveURL])
        let request = UpstreamForward.Request(method: "GET", pathAndQuery: "/a/b?x=1", headers: [("X-Trace", "t1")])
        let recorder = try await forward(request, config, pool)
        let calls = try await recorder.done.get()
        XCTAssertEqual(calls, ["retry 0 \(Self.connectFailed)", "head", "body", "finish"])
        let echo = try await echo(recorder)
        XCTAssertEqual(echo.method, "GET")
        XCTAssertEqual(echo.path, "/a/b")
        XCTAssertEqual(echo.query, "x=1")
        XCTAssertEqual(echo.header("X-Trace"), ["t1"], "the retry sends the same headers")
        let answeredBy = try await onLoop { recorder.forward?.instance.url }
        XCTAssertEqual(answeredBy, liveURL)
        XCTAssertEqual(backend.requestCount, 1)
        let statuses = pool.statuses
        XCTAssertEqual(statuses.map(\.attempts), [1, 1])
        XCTAssertEqual(statuses.map(\.inFlight), [0, 0])
        XCTAssertEqual(statuses.map(\.connectFailures), [1, 0])
        XCTAssertEqual(statuses.map(\.consecutiveFailures), [1, 0])
    }

    /// RFC 9110 §9.2.2: GET, HEAD, OPTIONS, PUT, DELETE and TRACE are idempotent.
    func testEveryIdempotentMethodWithoutABodyIsRetried() async throws {
        for method in ["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"] {
            let (config, pool) = makePool([try await deadURL(), liveURL])
            let recorder = try await forward(UpstreamForward.Request(method: method, pathAndQuery: "/m"), config, pool)
            let calls = try await recorder.done.get()
            XCTAssertEqual(calls.first, "retry 0 \(Self.connectFailed)", method)
            XCTAssertEqual(calls.last, "finish", method)
            let status = try await onLoop { recorder.head?.status }
            XCTAssertEqual(status, 200, method)
            XCTAssertEqual(pool.statuses.map(\.attempts), [1, 1], method)
            XCTAssertEqual(pool.statuses.map(\.inFlight), [0, 0], method)
        }
        XCTAssertEqual(backend.requestCount, 6)
    }

    // MARK: Not retried

    /// A method that is not idempotent, or any request with a body (even an idempotent one):
    /// the backend might have acted on it, so the connect failure is final.
    func testWhatCouldActTwiceIsNotRetried() async throws {
        let cases: [(method: String, body: UpstreamRequestBody?)] = [
            ("POST", nil), ("PATCH", nil), ("CONNECT", nil), ("PURGE", nil),
            ("get", nil),   // method tokens are case-sensitive (RFC 9110 §9.1): an extension method
            ("POST", .bytes(ByteBuffer(string: "{}"))), ("PUT", .bytes(ByteBuffer(string: "{}"))),
            ("DELETE", .bytes(ByteBuffer(string: "x"))), ("GET", .bytes(ByteBuffer())),
        ]
        for testCase in cases {
            let label = "\(testCase.method) body: \(testCase.body != nil)"
            let (config, pool) = makePool([try await deadURL(), liveURL], retries: 3)
            let request = UpstreamForward.Request(method: testCase.method, pathAndQuery: "/x", body: testCase.body)
            let calls = try await forward(request, config, pool).done.get()
            XCTAssertEqual(calls, ["fail \(Self.connectFailed)"], label)
            XCTAssertEqual(pool.statuses.map(\.attempts), [1, 0], label)
            XCTAssertEqual(pool.statuses.map(\.inFlight), [0, 0], label)
            XCTAssertEqual(pool.statuses.map(\.connectFailures), [1, 0], label)
        }
        XCTAssertEqual(backend.requestCount, 0)
    }

    func testNoRetriesConfiguredMeansTheFirstConnectFailureIsFinal() async throws {
        let (config, pool) = makePool([try await deadURL(), liveURL], retries: 0)
        let calls = try await forward(UpstreamForward.Request(method: "GET", pathAndQuery: "/"), config, pool).done.get()
        XCTAssertEqual(calls, ["fail \(Self.connectFailed)"])
        XCTAssertEqual(pool.statuses.map(\.attempts), [1, 0])
        XCTAssertEqual(pool.statuses.map(\.inFlight), [0, 0])
        XCTAssertEqual(backend.requestCount, 0)
    }

    func testRetriesStopWhenEveryInstanceWasTried() async throws {
        let (config, pool) = makePool([try await deadURL(), try await deadURL()], retries: 5)
        let recorder = try await forward(UpstreamForward.Request(method: "GET", pathAndQuery: "/"), config, pool)
        let calls = try await recorder.done.get()
        XCTAssertEqual(calls, ["retry 0 \(Self.connectFailed)", "fail \(Self.connectFailed)"])
        let lastTried = try await onLoop { recorder.forward?.instance.index }
        XCTAssertEqual(lastTried, 1, "the failure names the last instance tried")
        XCTAssertEqual(pool.statuses.map(\.attempts), [1, 1])
        XCTAssertEqual(pool.statuses.map(\.inFlight), [0, 0])
        XCTAssertEqual(pool.statuses.map(\.connectFailures), [1, 1])
    }

    func testRetriesAreCountedOverTheWholeRequest() async throws {
        let (config, pool) = makePool([try await deadURL(), try await deadURL(), try await deadURL(), liveURL], retries: 2)
        let calls = try await forward(UpstreamForward.Request(method: "GET", pathAndQuery: "/"), config, pool).done.get()
        XCTAssertEqual(calls, ["retry 0 \(Self.connectFailed)", "retry 1 \(Self.connectFailed)", "fail \(Self.connectFailed)"])
        XCTAssertEqual(pool.statuses.map(\.attempts), [1, 1, 1, 0])
        XCTAssertEqual(pool.statuses.map(\.inFlight), [0, 0, 0, 0])
        XCTAssertEqual(backend.requestCount, 0)
    }

    /// Once connected, the request may have reached the backend: a reset before the head, or
    /// a truncated body after it, is final even for a GET with retries and a live instance left.
    func testFailuresAfterTheConnectAreNotRetried() async throws {
        let responses = [
            ("", ["fail \(ReasonCode.upstreamReset.rawValue)"]),
            ("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", ["head", "body", "fail \(ReasonCode.upstreamReset.rawValue)"]),
        ]
        for (response, expected) in responses {
            let scripted = try await ScriptedListener(group: group, response: response)
            let (config, pool) = makePool(["http://127.0.0.1:\(scripted.port)", liveURL], retries: 3)
            let calls = try await forward(UpstreamForward.Request(method: "GET", pathAndQuery: "/"), config, pool).done.get()
            XCTAssertEqual(calls, expected, response)
            XCTAssertEqual(pool.statuses.map(\.attempts), [1, 0], response)
            XCTAssertEqual(pool.statuses.map(\.inFlight), [0, 0], response)
            XCTAssertEqual(pool.statuses.map(\.connectFailures), [0, 0], response)
            try await scripted.close()
        }
        XCTAssertEqual(backend.requestCount, 0)
    }

    // MARK: In-flight counts whatever ends the forward

    func testAForwardDroppedBeforeItsStartReleasesItsInstance() async throws {
        let (config, pool) = makePool([liveURL])
        let engine = self.engine!
        let inFlightWhileHeld = try await onLoop {
            let forward = UpstreamForward(UpstreamForward.Request(method: "GET", pathAndQuery: "/"), backend: config, pool: pool, engine: engine)
            return withExtendedLifetime(forward) { pool.statuses.map(\.inFlight) }
        }
        XCTAssertEqual(inFlightWhileHeld, [1])
        XCTAssertEqual(pool.statuses.map(\.inFlight), [0])
        XCTAssertEqual(pool.statuses.map(\.attempts), [1])
        XCTAssertEqual(backend.requestCount, 0)
    }

    func testACancelledForwardReleasesItsInstanceAndReportsNothing() async throws {
        let (config, pool) = makePool([liveURL])
        // The backend holds its answer: the transfer is under way when it is cancelled.
        let recorder = try await forward(UpstreamForward.Request(method: "GET", pathAndQuery: "/slow?head-delay-ms=60000"), config, pool)
        let backend = self.backend!
        let arrived = await Task.detached { backend.waitForHeads(1, timeout: 10) }.value   // woken by the head
        XCTAssertTrue(arrived)
        XCTAssertEqual(pool.statuses.map(\.inFlight), [1])
        let calls = try await onLoop { () -> [String] in
            recorder.forward?.cancel()
            recorder.forward?.cancel()   // idempotent
            return recorder.calls
        }
        XCTAssertEqual(calls, [])
        XCTAssertEqual(pool.statuses.map(\.inFlight), [0])
        XCTAssertEqual(pool.statuses.map(\.attempts), [1])
        XCTAssertEqual(pool.statuses.map(\.connectFailures), [0])
    }

    func testACancelInsideTheRetryNotificationStartsNoFurtherAttempt() async throws {
        let (config, pool) = makePool([try await deadURL(), liveURL])
        let recorder = try await forward(UpstreamForward.Request(method: "GET", pathAndQuery: "/"), config, pool) { recorder in
            recorder.onRetry = { recorder in
                recorder.forward?.cancel()
                recorder.complete()
            }
        }
        let calls = try await recorder.done.get()
        XCTAssertEqual(calls, ["retry 0 \(Self.connectFailed)"])
        let transfer = try await onLoop { recorder.forward?.transfer }
        XCTAssertNil(transfer, "no attempt started after the cancel")
        // The instance taken for the retry is released unused.
        XCTAssertEqual(pool.statuses.map(\.attempts), [1, 1])
        XCTAssertEqual(pool.statuses.map(\.inFlight), [0, 0])
        XCTAssertEqual(backend.requestCount, 0)
    }

    // MARK: What carries over to the retry

    /// The caller paused receiving (its client was not writable) during the failed attempt:
    /// the retry's transfer starts paused, and resumes when asked.
    func testAPauseCarriesOverToTheRetry() async throws {
        let (config, pool) = makePool([try await deadURL(), liveURL])
        let recorder = try await forward(UpstreamForward.Request(method: "GET", pathAndQuery: "/p"), config, pool) { recorder in
            recorder.forward?.pauseReceiving()
        }
        // From the notification on, the retry's transfer is the only one (the failed one was
        // removed before its failure was delivered): a paused transfer now is the retry's.
        // Unpaused, it would finish instead: whichever comes first answers.
        try await recorder.retried.get()
        let pausedFirst = loop.makePromise(of: Bool.self)
        let engine = self.engine!
        Task { await engine.waitForStatistics { $0.receivePausedTransfers == 1 }; pausedFirst.succeed(true) }
        recorder.done.whenComplete { _ in pausedFirst.succeed(false) }
        let paused = try await pausedFirst.futureResult.get()
        XCTAssertTrue(paused, "the retry's transfer ran unpaused")
        guard paused else { return }
        let whilePaused = try await onLoop { recorder.calls }
        XCTAssertEqual(whilePaused.first, "retry 0 \(Self.connectFailed)")
        XCTAssertFalse(whilePaused.contains("body"), "\(whilePaused)")
        try await onLoop { recorder.forward?.resumeReceiving() }
        let calls = try await recorder.done.get()
        XCTAssertEqual(calls, ["retry 0 \(Self.connectFailed)", "head", "body", "finish"])
        let path = try await echo(recorder).path
        XCTAssertEqual(path, "/p")
        XCTAssertEqual(pool.statuses.map(\.inFlight), [0, 0])
    }
}

/// The rule alone, as a table.
final class UpstreamRetryRuleTests: XCTestCase {
    func testOnlyAConnectFailureBeforeAnyResponseOfABodilessIdempotentRequestWithARetryLeft() {
        let refused = UpstreamError.connectFailed("refused")
        let rows: [(method: String, hasBody: Bool, error: UpstreamError, afterHead: Bool, retriesLeft: Int, retried: Bool)] = [
            ("GET", false, refused, false, 1, true),
            ("HEAD", false, refused, false, 1, true),
            ("OPTIONS", false, refused, false, 1, true),
            ("PUT", false, refused, false, 1, true),
            ("DELETE", false, refused, false, 1, true),
            ("TRACE", false, refused, false, 1, true),
            ("POST", false, refused, false, 1, false),
            ("PATCH", false, refused, false, 1, false),
            ("CONNECT", false, refused, false, 1, false),
            ("get", false, refused, false, 1, false),
            ("GET", true, refused, false, 1, false),
            ("PUT", true, refused, false, 1, false),
            ("GET", false, refused, false, 0, false),
            ("GET", false, refused, true, 1, false),
            ("GET", false, .timeout("t"), false, 1, false),
            ("GET", false, .reset("r"), false, 1, false),
            ("GET", false, .failed("f"), false, 1, false),
        ]
        for row in rows {
            XCTAssertEqual(UpstreamRetryRule.permitsRetry(method: row.method, hasBody: row.hasBody, error: row.error,
                                                          afterHead: row.afterHead, retriesLeft: row.retriesLeft),
                           row.retried, "\(row)")
        }
    }
}
