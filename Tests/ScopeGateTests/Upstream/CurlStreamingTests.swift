import NIOCore
import NIOPosix
import XCTest
#if canImport(Glibc)
import Glibc
#endif
@testable import ScopeGateUpstream
@testable import ScopeGateDemo

/// Streaming through a real CurlEngine to a real EchoBackend on 127.0.0.1: request bodies fed
/// part by part under the engine's demand, responses paused and resumed, the gateway's own
/// response-head and idle deadlines. On the event loops; ``UpstreamCurlStreamingThreadModeTests``
/// runs every test again on a curl thread.
class UpstreamCurlStreamingTests: UpstreamEngineTestCase {

    /// Starts `request` with a ``StreamingDelegate`` configured on the event loop.
    private func start(_ request: UpstreamRequest, configure: @escaping @Sendable (StreamingDelegate) -> Void = { _ in }) async throws -> StreamingDelegate {
        let delegate = StreamingDelegate(eventLoop: loop)
        let engine = self.engine!
        try await loop.submit {
            delegate.transfer = engine.execute(request, on: delegate.eventLoop, delegate: delegate)
            configure(delegate)
        }.get()
        return delegate
    }

    private func onLoop<T: Sendable>(_ body: @escaping @Sendable () -> T) async throws -> T {
        try await loop.submit(body).get()
    }

    func testChunkedUploadFollowsDemandAndArrivesIntact() async throws {
        let size = 24 << 20
        let request = UpstreamRequest(method: "POST", url: url("/up?digest=1"), body: .stream(length: nil), timeoutMilliseconds: 0)
        let delegate = try await start(request) { $0.upload(size) }
        try await delegate.done.get()
        let (error, text, demand) = try await onLoop { (delegate.error, delegate.text, delegate.demandCalls) }
        XCTAssertNil(error)
        XCTAssertEqual(text, "{\"backend\":\"echo\",\"body_bytes\":\(size),\"digest\":\"\(EchoBackend.patternDigest(byteCount: size).hexDigest)\"}")
        XCTAssertGreaterThan(demand, 0, "the queue filled up and drained at least once")
        let peak = delegate.transfer!.peakBufferedRequestBytes
        XCTAssertLessThanOrEqual(peak, UpstreamBufferLimits.requestBodyHighWater + EchoBackend.patternChunkSize)
    }

    func testStreamedBodyWithALengthIsSentWithContentLengthAndWithoutExpect() async throws {
        let request = UpstreamRequest(method: "PUT", url: url("/items"), body: .stream(length: 11))
        let delegate = try await start(request) { delegate in
            delegate.transfer!.sendBodyPart(ByteBuffer(string: "hello"))
            delegate.transfer!.sendBodyPart(ByteBuffer(string: " world"))
            delegate.transfer!.finishBody()
        }
        try await delegate.done.get()
        let echo = try JSONDecoder().decode(EchoedRequest.self, from: Data(try await onLoop { delegate.text }.utf8))
        XCTAssertEqual(echo.body, "hello world")
        XCTAssertEqual(echo.header("Content-Length"), ["11"])
        XCTAssertEqual(echo.header("Transfer-Encoding"), [])
        XCTAssertEqual(echo.header("Expect"), [])
    }

    func testStreamedBodyWithoutALengthIsChunkedWithoutExpect() async throws {
        let request = UpstreamRequest(method: "POST", url: url("/items"), body: .stream(length: nil))
        let delegate = try await start(request) { delegate in
            delegate.transfer!.sendBodyPart(ByteBuffer(string: "part one,"))
            delegate.transfer!.finishBody()
        }
        try await delegate.done.get()
        let echo = try JSONDecoder().decode(EchoedRequest.self, from: Data(try await onLoop { delegate.text }.utf8))
        XCTAssertEqual(echo.body, "part one,")
        XCTAssertEqual(echo.header("Transfer-Encoding"), ["chunked"])
        XCTAssertEqual(echo.header("Content-Length"), [])
        XCTAssertEqual(echo.header("Expect"), [])
    }

    func testPausedTransferHoldsBoundedBytesAndResumesIntact() async throws {
        let size = 32 << 20
        let request = UpstreamRequest(method: "GET", url: url("/d?bytes=\(size)"), timeoutMilliseconds: 0)
        let delegate = try await start(request) { $0.pauseAfter = 1 << 20 }
        let transfer = delegate.transfer!
        // Paused by the delegate, not only for undelivered bytes.
        try await delegate.paused.get()
        try await waitUntil("the engine to apply the pause") { [engine = self.engine] in
            await engine.waitForStatistics { $0.receivePausedTransfers == 1 }
        }
        XCTAssertTrue(transfer.isReceivePaused)
        XCTAssertEqual(engine.statistics.receivePausedTransfers, 1)
        let receivedWhilePaused = try await onLoop { delegate.received.count }
        XCTAssertLessThan(receivedWhilePaused, size)
        XCTAssertLessThanOrEqual(transfer.bufferedResponseBytes, UpstreamBufferLimits.responseHighWater + 16384)

        try await onLoop { transfer.resumeReceiving() }
        try await delegate.done.get()
        let (error, digest) = try await onLoop { (delegate.error, delegate.received) }
        XCTAssertNil(error)
        XCTAssertEqual(digest.count, size)
        XCTAssertEqual(digest.hexDigest, EchoBackend.patternDigest(byteCount: size).hexDigest)
        XCTAssertLessThanOrEqual(transfer.peakBufferedResponseBytes, UpstreamBufferLimits.responseHighWater + 16384)
        XCTAssertEqual(engine.statistics.receivePausedTransfers, 0)
        XCTAssertGreaterThanOrEqual(engine.statistics.receivePauses, 1)
    }

    /// A transfer held paused while the backend's bytes wait on its socket (libcurl stops
    /// watching it, the kernel keeps it readable): neither the curl loop nor the socket waker
    /// may spin on it. The half second is a measurement window, not a synchronisation: a
    /// spinning thread would use about all of it; the loop only checks deadlines (every 100 ms).
    func testPausedTransferWithBytesWaitingUsesNoCPU() async throws {
        let size = 32 << 20
        let request = UpstreamRequest(method: "GET", url: url("/d?bytes=\(size)"), timeoutMilliseconds: 0)
        let delegate = try await start(request) { $0.pauseAfter = 1 }
        try await delegate.paused.get()
        try await waitUntil("the engine to apply the pause") { [engine = self.engine] in
            await engine.waitForStatistics { $0.receivePausedTransfers == 1 }
        }
        let before = Self.processCPUNanoseconds()
        try await Task.sleep(nanoseconds: 500_000_000)
        let used = Self.processCPUNanoseconds() - before
        XCTAssertLessThan(used, 150_000_000, "CPU ns used in 0.5 s while the only transfer is paused")
        try await onLoop { delegate.transfer!.resumeReceiving() }
        try await delegate.done.get()
        let (error, digest) = try await onLoop { (delegate.error, delegate.received) }
        XCTAssertNil(error)
        XCTAssertEqual(digest.count, size)
    }

    private static func processCPUNanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    /// Runs `request` (4 MiB), held paused after its first byte for `holdNanoseconds` (a
    /// client that slow is the behaviour under test), then resumed; returns how it ended.
    private func holdPaused(_ request: UpstreamRequest, holdNanoseconds: UInt64) async throws -> (error: UpstreamError?, count: Int) {
        let delegate = try await start(request) { $0.pauseAfter = 1 }
        try await delegate.paused.get()
        try await waitUntil("the engine to apply the pause") { [engine = self.engine] in
            await engine.waitForStatistics { $0.receivePausedTransfers == 1 }
        }
        try await Task.sleep(nanoseconds: holdNanoseconds)
        try await onLoop { delegate.transfer!.resumeReceiving() }
        try await delegate.done.get()
        return try await onLoop { (delegate.error, delegate.received.count) }
    }

    func testPauseTimeIsNotBackendIdleness() async throws {
        let request = UpstreamRequest(method: "GET", url: url("/d?bytes=\(4 << 20)"), timeoutMilliseconds: 0, idleTimeoutMilliseconds: 200)
        let (error, count) = try await holdPaused(request, holdNanoseconds: 600_000_000)  // slower than the idle timeout
        XCTAssertNil(error)
        XCTAssertEqual(count, 4 << 20)
    }

    /// `timeout_ms` is the backend's time: a client that reads a large answer slowly (the
    /// transfer held paused longer than the whole timeout) still gets all of it. It used to be
    /// cut by libcurl's whole-transfer timeout and logged as the backend's `upstream_timeout`.
    func testPauseTimeIsNotCountedInTheWholeExchangeTimeout() async throws {
        let request = UpstreamRequest(method: "GET", url: url("/d?bytes=\(4 << 20)"), timeoutMilliseconds: 300, idleTimeoutMilliseconds: 0)
        let (error, count) = try await holdPaused(request, holdNanoseconds: 900_000_000)  // slower than the whole timeout
        XCTAssertNil(error)
        XCTAssertEqual(count, 4 << 20)
        XCTAssertEqual(engine.statistics.deadlineExpiries, 0)
    }

    /// ... and still cuts a backend that takes longer than `timeout_ms` itself (here one that
    /// stops sending mid-body, with no idle timeout to catch it first).
    func testWholeExchangeTimeoutCutsASlowBackend() async throws {
        let request = UpstreamRequest(method: "GET", url: url("/d?bytes=1000000&stall-after=200000"), timeoutMilliseconds: 300,
                                      idleTimeoutMilliseconds: 0)
        let delegate = try await start(request)
        try await delegate.done.get()
        let (error, afterHead, count) = try await onLoop { (delegate.error, delegate.failedAfterHead, delegate.received.count) }
        XCTAssertEqual(error?.reason, .upstreamTimeout)
        XCTAssertTrue(error?.detail.contains("took more than 300 ms") ?? false, "\(String(describing: error))")
        XCTAssertTrue(afterHead)
        XCTAssertEqual(count, 200000)
        XCTAssertEqual(engine.statistics.deadlineExpiries, 1)
    }

    func testNoResponseHeadWithinTheDeadlineIsATimeoutBeforeHead() async throws {
        let silent = try await SilentListener(group: group)
        defer { Task { try? await silent.close() } }
        let request = UpstreamRequest(method: "GET", url: "http://127.0.0.1:\(silent.port)/x", timeoutMilliseconds: 0,
                                      responseHeaderTimeoutMilliseconds: 300)
        let delegate = try await start(request)
        try await delegate.done.get()
        let (error, afterHead) = try await onLoop { (delegate.error, delegate.failedAfterHead) }
        XCTAssertEqual(error?.reason, .upstreamTimeout)
        XCTAssertTrue(error?.detail.contains("response head") ?? false, "\(String(describing: error))")
        XCTAssertFalse(afterHead)
        XCTAssertEqual(engine.statistics.deadlineExpiries, 1)
    }

    func testBackendStallingMidBodyIsATimeoutAfterHead() async throws {
        let request = UpstreamRequest(method: "GET", url: url("/d?bytes=1000000&stall-after=200000"), timeoutMilliseconds: 0,
                                      idleTimeoutMilliseconds: 300)
        let delegate = try await start(request)
        try await delegate.done.get()
        let (error, afterHead, count) = try await onLoop { (delegate.error, delegate.failedAfterHead, delegate.received.count) }
        XCTAssertEqual(error?.reason, .upstreamTimeout)
        XCTAssertTrue(afterHead)
        XCTAssertEqual(count, 200000)
    }
}

/// Every test of ``UpstreamCurlStreamingTests`` again, with the engine on a curl thread of its own.
///
/// Linux XCTest runs only the test methods a class declares itself (an inherited one is not
/// found), so each is named again here; `UpstreamEngineModeCoverageTests` fails when one is missing.
final class UpstreamCurlStreamingThreadModeTests: UpstreamCurlStreamingTests {
    override class var engineMode: UpstreamEngineMode { .thread }

    override func testChunkedUploadFollowsDemandAndArrivesIntact() async throws { try await super.testChunkedUploadFollowsDemandAndArrivesIntact() }
    override func testStreamedBodyWithALengthIsSentWithContentLengthAndWithoutExpect() async throws { try await super.testStreamedBodyWithALengthIsSentWithContentLengthAndWithoutExpect() }
    override func testStreamedBodyWithoutALengthIsChunkedWithoutExpect() async throws { try await super.testStreamedBodyWithoutALengthIsChunkedWithoutExpect() }
    override func testPausedTransferHoldsBoundedBytesAndResumesIntact() async throws { try await super.testPausedTransferHoldsBoundedBytesAndResumesIntact() }
    override func testPausedTransferWithBytesWaitingUsesNoCPU() async throws { try await super.testPausedTransferWithBytesWaitingUsesNoCPU() }
    override func testPauseTimeIsNotBackendIdleness() async throws { try await super.testPauseTimeIsNotBackendIdleness() }
    override func testPauseTimeIsNotCountedInTheWholeExchangeTimeout() async throws { try await super.testPauseTimeIsNotCountedInTheWholeExchangeTimeout() }
    override func testWholeExchangeTimeoutCutsASlowBackend() async throws { try await super.testWholeExchangeTimeoutCutsASlowBackend() }
    override func testNoResponseHeadWithinTheDeadlineIsATimeoutBeforeHead() async throws { try await super.testNoResponseHeadWithinTheDeadlineIsATimeoutBeforeHead() }
    override func testBackendStallingMidBodyIsATimeoutAfterHead() async throws { try await super.testBackendStallingMidBodyIsATimeoutAfterHead() }
}
