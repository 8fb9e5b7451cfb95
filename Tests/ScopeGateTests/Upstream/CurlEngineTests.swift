import NIOCore
import NIOPosix
import XCTest
@testable import ScopeGateUpstream

/// Real sockets on 127.0.0.1: an EchoBackend (or a silent listener) behind a real CurlEngine,
/// on the event loops; ``UpstreamCurlEngineThreadModeTests`` runs every test again on a curl thread.
class UpstreamCurlEngineTests: UpstreamEngineTestCase {

    func testGetPathQueryAndHeadersReachBackendUnchanged() async throws {
        let request = UpstreamRequest(
            method: "GET",
            url: url("/calendar/a%20b/../c?y=1&b=%2F&z"),
            headers: [("X-Custom", "one"), ("x-custom", "two"), ("X-Empty", "")]
        )
        let response = try await engine.collect(request, on: loop)
        XCTAssertNil(response.error)
        let echo = try response.echo()
        XCTAssertEqual(echo.method, "GET")
        XCTAssertEqual(echo.path, "/calendar/a%20b/../c")
        XCTAssertEqual(echo.query, "y=1&b=%2F&z")
        XCTAssertEqual(echo.header("X-Custom"), ["one", "two"])
        XCTAssertEqual(echo.header("X-Empty"), [""])
        XCTAssertEqual(echo.header("Host"), ["127.0.0.1:\(backend.port)"])
        for added in ["Accept", "Expect", "Content-Type", "Content-Length", "Transfer-Encoding", "Accept-Encoding"] {
            XCTAssertEqual(echo.header(added), [], "\(added) must not be added")
        }
    }

    func testCallerAcceptIsSentOnce() async throws {
        let request = UpstreamRequest(method: "GET", url: url("/a"), headers: [("Accept", "application/json")])
        let echo = try await engine.collect(request, on: loop).echo()
        XCTAssertEqual(echo.header("Accept"), ["application/json"])
    }

    func testPostBodyArrivesIntactWithOnlyContentLength() async throws {
        let request = UpstreamRequest(method: "POST", url: url("/items"), body: .bytes(ByteBuffer(string: "{\"n\": 1}\r\nlast")))
        let echo = try await engine.collect(request, on: loop).echo()
        XCTAssertEqual(echo.method, "POST")
        XCTAssertEqual(echo.body, "{\"n\": 1}\r\nlast")
        XCTAssertEqual(echo.header("Content-Length"), ["14"])
        for added in ["Accept", "Expect", "Content-Type", "Transfer-Encoding"] {
            XCTAssertEqual(echo.header(added), [], "\(added) must not be added")
        }
    }

    func testEmptyBodyIsSentWithContentLengthZero() async throws {
        let request = UpstreamRequest(method: "PUT", url: url("/items/1"), body: .bytes(ByteBuffer()))
        let echo = try await engine.collect(request, on: loop).echo()
        XCTAssertEqual(echo.method, "PUT")
        XCTAssertEqual(echo.body_bytes, 0)
        XCTAssertEqual(echo.header("Content-Length"), ["0"])
        XCTAssertEqual(echo.header("Content-Type"), [])
    }

    func testNoBodyMeansNoContentLength() async throws {
        let request = UpstreamRequest(method: "DELETE", url: url("/items/1"))
        let echo = try await engine.collect(request, on: loop).echo()
        XCTAssertEqual(echo.method, "DELETE")
        XCTAssertEqual(echo.header("Content-Length"), [])
        XCTAssertEqual(echo.header("Transfer-Encoding"), [])
    }

    func testLargeBodyIsStreamedWithoutExpect() async throws {
        let size = 3 << 20
        let request = UpstreamRequest(method: "PATCH", url: url("/big"), body: .bytes(ByteBuffer(repeating: UInt8(ascii: "x"), count: size)))
        let echo = try await engine.collect(request, on: loop).echo()
        XCTAssertEqual(echo.body_bytes, size)
        XCTAssertEqual(echo.header("Content-Length"), [String(size)])
        XCTAssertEqual(echo.header("Expect"), [])
    }

    func testStatusHeadersAndBodyComeBack() async throws {
        let request = UpstreamRequest(method: "GET", url: url("/teapot?status=418&set-header=X-Test:yes&set-header=Keep-Alive:timeout=5"))
        let response = try await engine.collect(request, on: loop)
        XCTAssertEqual(response.calls.first, "head")
        XCTAssertEqual(response.calls.last, "finish")
        XCTAssertEqual(response.head?.status, 418)
        XCTAssertEqual(response.header("X-Test"), ["yes"])
        XCTAssertEqual(response.header("X-Backend"), ["echo"])
        XCTAssertEqual(response.header("Content-Type"), ["application/json"])
        XCTAssertEqual(response.header("Content-Length"), [String(response.body.readableBytes)])
        XCTAssertEqual(response.header("Keep-Alive"), [], "hop-by-hop headers are dropped")
        XCTAssertEqual(try response.echo().path, "/teapot")
    }

    func testHeadGetsHeadWithoutBody() async throws {
        let response = try await engine.collect(UpstreamRequest(method: "HEAD", url: url("/h")), on: loop)
        XCTAssertNil(response.error)
        XCTAssertEqual(response.head?.status, 200)
        XCTAssertEqual(response.body.readableBytes, 0)
        XCTAssertEqual(response.calls, ["head", "finish"])
        XCTAssertFalse(response.header("Content-Length").isEmpty)
    }

    func testSequentialRequestsReuseOneConnection() async throws {
        for index in 0..<20 {
            let response = try await engine.collect(UpstreamRequest(method: "GET", url: url("/seq/\(index)")), on: loop)
            XCTAssertEqual(response.head?.status, 200)
        }
        XCTAssertEqual(backend.requestCount, 20)
        XCTAssertEqual(backend.connectionCount, 1)
    }

    /// Pooled easy handles skip `curl_easy_reset` between plain GETs: nothing one request
    /// set may leak into the next, whatever the order of plain and special requests.
    func testPooledHandleCarriesNothingFromOneRequestToTheNext() async throws {
        let sequence: [(method: String, body: String?, header: (String, String)?)] = [
            ("GET", nil, ("X-First", "1")), ("POST", "abc", nil), ("GET", nil, nil), ("HEAD", nil, nil),
            ("GET", nil, ("X-Second", "2")), ("DELETE", nil, nil), ("GET", nil, nil), ("GET", nil, nil),
        ]
        for (index, step) in sequence.enumerated() {
            let request = UpstreamRequest(method: step.method, url: url("/pool/\(index)"),
                                          headers: step.header.map { [$0] } ?? [],
                                          body: step.body.map { .bytes(ByteBuffer(string: $0)) })
            let response = try await engine.collect(request, on: loop)
            XCTAssertEqual(response.head?.status, 200, "step \(index)")
            if step.method == "HEAD" { continue }
            let echo = try response.echo()
            XCTAssertEqual(echo.method, step.method, "step \(index)")
            XCTAssertEqual(echo.path, "/pool/\(index)")
            XCTAssertEqual(echo.body_bytes, step.body?.utf8.count ?? 0, "step \(index)")
            XCTAssertEqual(echo.header("Content-Length"), step.body.map { ["\($0.utf8.count)"] } ?? [], "step \(index)")
            XCTAssertEqual(echo.header("X-First"), step.header?.0 == "X-First" ? ["1"] : [], "step \(index)")
            XCTAssertEqual(echo.header("X-Second"), step.header?.0 == "X-Second" ? ["2"] : [], "step \(index)")
            XCTAssertEqual(echo.header("Expect"), [], "step \(index)")
            XCTAssertEqual(echo.header("Accept"), [], "step \(index)")
        }
        XCTAssertEqual(backend.connectionCount, 1)
    }

    func testConcurrentRequestsStayWithinPerBackendCap() async throws {
        let engine = engine!
        let loops = (0..<40).map { _ in loop }
        let url = url("/par")
        try await withThrowingTaskGroup(of: Int?.self) { tasks in
            for eventLoop in loops {
                tasks.addTask { try await engine.collect(UpstreamRequest(method: "GET", url: url), on: eventLoop).head?.status }
            }
            for try await status in tasks { XCTAssertEqual(status, 200) }
        }
        XCTAssertEqual(backend.requestCount, 40)
        XCTAssertLessThanOrEqual(backend.connectionCount, 4)
    }

    func testConnectionRefusedIsConnectFailed() async throws {
        let port = try await unusedPort(group: group)
        let response = try await engine.collect(UpstreamRequest(method: "GET", url: "http://127.0.0.1:\(port)/x"), on: loop)
        guard case .connectFailed? = response.error else { return XCTFail("got \(String(describing: response.error))") }
        XCTAssertEqual(response.error?.reason, .upstreamConnectFailed)
        XCTAssertFalse(response.failedAfterHead)
        XCTAssertEqual(response.calls, ["fail"])
    }

    func testSilentBackendTimesOut() async throws {
        let silent = try await SilentListener(group: group)
        let request = UpstreamRequest(method: "GET", url: "http://127.0.0.1:\(silent.port)/x", timeoutMilliseconds: 200)
        let response = try await engine.collect(request, on: loop)
        guard case .timeout? = response.error else { return XCTFail("got \(String(describing: response.error))") }
        XCTAssertEqual(response.error?.reason, .upstreamTimeout)
        XCTAssertEqual(response.calls, ["fail"])
        try await silent.close()
    }

    func testDisallowedSchemeFails() async throws {
        let response = try await engine.collect(UpstreamRequest(method: "GET", url: "file:///etc/passwd"), on: loop)
        guard case .failed? = response.error else { return XCTFail("got \(String(describing: response.error))") }
    }

    func testCancelStopsDelegateCalls() async throws {
        let silent = try await SilentListener(group: group)
        let eventLoop = loop
        let request = UpstreamRequest(method: "GET", url: "http://127.0.0.1:\(silent.port)/hang", timeoutMilliseconds: 0)
        let engine = engine!
        let delegate = try await eventLoop.submit {
            let delegate = CollectingDelegate(eventLoop: eventLoop)
            engine.execute(request, on: eventLoop, delegate: delegate).cancel()
            return NIOLoopBound(delegate, eventLoop: eventLoop)
        }.get()
        // A later request through the same curl thread proves the cancellation was processed;
        // shutdown would fail the cancelled transfer if it were still in flight.
        _ = try await engine.collect(UpstreamRequest(method: "GET", url: url("/after")), on: eventLoop)
        engine.shutdown()
        let calls = try await eventLoop.submit {
            defer { delegate.value.abandon() }
            return delegate.value.callCount
        }.get()
        XCTAssertEqual(calls, 0)
        try await silent.close()
    }

    func testShutdownFailsInFlightAndLaterRequests() async throws {
        let silent = try await SilentListener(group: group)
        let eventLoop = loop
        let hanging = CollectingDelegate(eventLoop: eventLoop)
        engine.execute(UpstreamRequest(method: "GET", url: "http://127.0.0.1:\(silent.port)/hang", timeoutMilliseconds: 0), on: eventLoop, delegate: hanging)
        engine.shutdown()
        engine.shutdown()  // idempotent
        let inFlight = try await hanging.future.get()
        guard case .failed? = inFlight.error else { return XCTFail("got \(String(describing: inFlight.error))") }
        let later = try await engine.collect(UpstreamRequest(method: "GET", url: url("/late")), on: eventLoop)
        guard case .failed? = later.error else { return XCTFail("got \(String(describing: later.error))") }
        try await silent.close()
    }

    func testInterimResponseChunkedBodyAndTrailersOverTheWire() async throws {
        let scripted = try await ScriptedListener(group: group, response: "HTTP/1.1 100 Continue\r\n\r\n"
            + "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close, X-Hop\r\nX-Hop: 1\r\nX-End: 2\r\n\r\n"
            + "5\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n")
        let response = try await engine.collect(UpstreamRequest(method: "GET", url: "http://127.0.0.1:\(scripted.port)/"), on: loop)
        XCTAssertNil(response.error)
        XCTAssertEqual(response.head?.status, 200)
        XCTAssertEqual(response.head?.headers.map(\.name), ["X-End"])
        XCTAssertEqual(response.bodyString, "hello world")
        XCTAssertEqual(response.calls.first, "head")
        XCTAssertEqual(response.calls.last, "finish")
        try await scripted.close()
    }

    func testTruncatedBodyIsResetAfterHead() async throws {
        let scripted = try await ScriptedListener(group: group, response: "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc")
        let response = try await engine.collect(UpstreamRequest(method: "GET", url: "http://127.0.0.1:\(scripted.port)/"), on: loop)
        guard case .reset? = response.error else { return XCTFail("got \(String(describing: response.error))") }
        XCTAssertTrue(response.failedAfterHead)
        XCTAssertEqual(response.calls.first, "head")
        XCTAssertEqual(response.calls.last, "fail")
        try await scripted.close()
    }

    func testGarbageResponseIsReset() async throws {
        let scripted = try await ScriptedListener(group: group, response: "SSH-2.0-OpenSSH_9.2\r\n")
        let response = try await engine.collect(UpstreamRequest(method: "GET", url: "http://127.0.0.1:\(scripted.port)/"), on: loop)
        guard case .reset? = response.error else { return XCTFail("got \(String(describing: response.error))") }
        XCTAssertFalse(response.failedAfterHead)
        try await scripted.close()
    }
}

/// Every test of ``UpstreamCurlEngineTests`` again, with the engine on a curl thread of its own.
///
/// Linux XCTest runs only the test methods a class declares itself (an inherited one is not
/// found), so each is named again here; `UpstreamEngineModeCoverageTests` fails when one is missing.
final class UpstreamCurlEngineThreadModeTests: UpstreamCurlEngineTests {
    override class var engineMode: UpstreamEngineMode { .thread }

    override func testGetPathQueryAndHeadersReachBackendUnchanged() async throws { try await super.testGetPathQueryAndHeadersReachBackendUnchanged() }
    override func testCallerAcceptIsSentOnce() async throws { try await super.testCallerAcceptIsSentOnce() }
    override func testPostBodyArrivesIntactWithOnlyContentLength() async throws { try await super.testPostBodyArrivesIntactWithOnlyContentLength() }
    override func testEmptyBodyIsSentWithContentLengthZero() async throws { try await super.testEmptyBodyIsSentWithContentLengthZero() }
    override func testNoBodyMeansNoContentLength() async throws { try await super.testNoBodyMeansNoContentLength() }
    override func testLargeBodyIsStreamedWithoutExpect() async throws { try await super.testLargeBodyIsStreamedWithoutExpect() }
    override func testStatusHeadersAndBodyComeBack() async throws { try await super.testStatusHeadersAndBodyComeBack() }
    override func testHeadGetsHeadWithoutBody() async throws { try await super.testHeadGetsHeadWithoutBody() }
    override func testSequentialRequestsReuseOneConnection() async throws { try await super.testSequentialRequestsReuseOneConnection() }
    override func testPooledHandleCarriesNothingFromOneRequestToTheNext() async throws { try await super.testPooledHandleCarriesNothingFromOneRequestToTheNext() }
    override func testConcurrentRequestsStayWithinPerBackendCap() async throws { try await super.testConcurrentRequestsStayWithinPerBackendCap() }
    override func testConnectionRefusedIsConnectFailed() async throws { try await super.testConnectionRefusedIsConnectFailed() }
    override func testSilentBackendTimesOut() async throws { try await super.testSilentBackendTimesOut() }
    override func testDisallowedSchemeFails() async throws { try await super.testDisallowedSchemeFails() }
    override func testCancelStopsDelegateCalls() async throws { try await super.testCancelStopsDelegateCalls() }
    override func testShutdownFailsInFlightAndLaterRequests() async throws { try await super.testShutdownFailsInFlightAndLaterRequests() }
    override func testInterimResponseChunkedBodyAndTrailersOverTheWire() async throws { try await super.testInterimResponseChunkedBodyAndTrailersOverTheWire() }
    override func testTruncatedBodyIsResetAfterHead() async throws { try await super.testTruncatedBodyIsResetAfterHead() }
    override func testGarbageResponseIsReset() async throws { try await super.testGarbageResponseIsReset() }
}
