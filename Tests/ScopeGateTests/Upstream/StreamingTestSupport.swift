import Foundation
import NIOCore
@testable import ScopeGateUpstream
@testable import ScopeGateDemo

/// A delegate for streaming tests: digests the response body without keeping it, can pause
/// receiving after some bytes, and can upload ``EchoBackend/patternChunk(_:)`` parts as a
/// streamed request body, following the engine's demand.
///
/// `@unchecked Sendable`: every property is touched on `eventLoop` only (the test hops there).
final class StreamingDelegate: UpstreamResponseDelegate, @unchecked Sendable {
    let eventLoop: any EventLoop
    private let promise: EventLoopPromise<Void>
    var done: EventLoopFuture<Void> { promise.futureResult }
    private let pausedPromise: EventLoopPromise<Void>
    /// Succeeds when this delegate asked for the pause (`pauseAfter` bytes received).
    var paused: EventLoopFuture<Void> { pausedPromise.futureResult }

    var head: UpstreamResponseHead?
    var received = StreamDigest()
    var error: UpstreamError?
    var failedAfterHead = false
    /// The response text, for small JSON answers.
    var text = ""

    /// Pause receiving once this many body bytes arrived.
    var pauseAfter: Int?
    private(set) var pausedAt: Int?

    var transfer: UpstreamTransfer?
    private var uploadRemaining = 0
    private var uploadChunk = 0
    private var uploadFinished = false
    private(set) var demandCalls = 0

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
        self.promise = eventLoop.makePromise()
        self.pausedPromise = eventLoop.makePromise()
    }

    /// Starts uploading `count` pattern bytes (call on the event loop).
    func upload(_ count: Int) {
        uploadRemaining = count
        pump()
    }

    private func pump() {
        guard let transfer, !uploadFinished else { return }
        while uploadRemaining > 0 {
            let chunk = EchoBackend.patternChunk(uploadChunk)
            let size = min(chunk.count, uploadRemaining)
            uploadChunk += 1
            uploadRemaining -= size
            if !transfer.sendBodyPart(ByteBuffer(bytes: chunk[0..<size])) { return }
        }
        uploadFinished = true
        transfer.finishBody()
    }

    func upstreamWantsMoreBody() {
        demandCalls += 1
        pump()
    }

    func upstreamDidReceiveHead(_ head: UpstreamResponseHead) { self.head = head }

    func upstreamDidReceiveBodyPart(_ part: ByteBuffer) {
        part.withUnsafeReadableBytes { received.update($0) }
        if received.count < 4096 { text += String(buffer: part) }
        if let pauseAfter, pausedAt == nil, received.count >= pauseAfter {
            pausedAt = received.count
            transfer?.pauseReceiving()
            signalPaused()
        }
    }

    func upstreamDidFinish() {
        signalPaused()   // never paused: no waiter hangs
        promise.succeed(())
    }

    func upstreamDidFail(_ error: UpstreamError, afterHead: Bool) {
        self.error = error
        failedAfterHead = afterHead
        signalPaused()
        promise.succeed(())
    }

    private var pauseSignalled = false

    private func signalPaused() {
        guard !pauseSignalled else { return }
        pauseSignalled = true
        pausedPromise.succeed(())
    }
}

/// Waits for `wait` (an event-driven wait: resumed by the change it waits for), failing
/// after `seconds` so a broken gateway fails the test instead of hanging it. The sleep
/// below is only that upper bound, never the synchronisation.
func waitUntil(_ what: String, seconds: Double = 10, _ wait: @escaping @Sendable () async -> Void) async throws {
    try await withThrowingTaskGroup(of: Bool.self) { group in
        group.addTask { await wait(); return true }
        group.addTask {
            try? await Task.sleep(nanoseconds: UInt64(seconds * 1_000_000_000))   // stall guard only
            return false
        }
        let first = try await group.next() ?? false
        group.cancelAll()
        if !first { throw WaitTimeout(what: what) }
    }
}

struct WaitTimeout: Error, CustomStringConvertible {
    var what: String
    var description: String { "timed out waiting for \(what)" }
}
