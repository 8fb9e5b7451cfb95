import CCurl
import NIOCore
import XCTest
@testable import ScopeGateUpstream

/// libcurl's read callback for a streamed request body, called the way libcurl calls it.
///
/// Regression: a transfer cancelled while curl was still reading its chunked body (the body
/// went over `limits.max_body_bytes`) answered the next read with 0, "end of body", so curl
/// sent the terminating chunk and the backend took the first 64 KiB for a whole request
/// (seen as a flaky `ConnectionTests.testOversizedChunkedBodyGets413BeforeTheConnectionCloses`).
final class CurlReadCallbackTests: UpstreamEngineTestCase {
    /// Never handed to a multi handle, so no event reaches the delegate: its promise is
    /// failed at the end of each test.
    private var delegates: [CollectingDelegate] = []

    override func tearDown() async throws {
        for delegate in delegates { delegate.abandon() }
        delegates = []
        try await super.tearDown()
    }

    private func streamedTransfer() -> UpstreamTransfer {
        let request = UpstreamRequest(method: "POST", url: url("/upload"), body: .stream(length: nil))
        let delegate = CollectingDelegate(eventLoop: loop)
        delegates.append(delegate)
        return UpstreamTransfer(request: request, eventLoop: loop, delegate: delegate, loop: nil)
    }

    private func read(_ handle: CurlEasyHandle) -> Int {
        var buffer = [UInt8](repeating: 0, count: 64)
        return buffer.withUnsafeMutableBytes { handle.readBody(into: $0) }
    }

    func testCancelledUploadAbortsTheTransferInsteadOfEndingTheBody() throws {
        let transfer = streamedTransfer()
        let handle = try CurlEasyHandle()
        try handle.prepare(for: transfer)
        XCTAssertEqual(read(handle), Int(CURL_READFUNC_PAUSE), "nothing queued yet: wait for the client")
        transfer.sendBodyPart(ByteBuffer(string: "abc"))
        XCTAssertEqual(read(handle), 3)
        transfer.sendBodyPart(ByteBuffer(string: "queued, then dropped by the cancellation"))
        transfer.cancel()
        XCTAssertEqual(read(handle), Int(CURL_READFUNC_ABORT))
        XCTAssertEqual(read(handle), Int(CURL_READFUNC_ABORT))
    }

    func testFinishedUploadEndsTheBody() throws {
        let transfer = streamedTransfer()
        let handle = try CurlEasyHandle()
        try handle.prepare(for: transfer)
        transfer.sendBodyPart(ByteBuffer(string: "abcd"))
        transfer.finishBody()
        XCTAssertEqual(read(handle), 4)
        XCTAssertEqual(read(handle), 0, "end of body")
    }
}
