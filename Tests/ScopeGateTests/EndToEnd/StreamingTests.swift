import Foundation
import NIOPosix
import XCTest
@testable import ScopeGateUpstream
@testable import ScopeGateDemo

/// Streaming through the whole gateway over real sockets: bounded buffering both ways,
/// pause and resume at the client's pace, the gateway's own upstream deadlines.
/// Memory is asserted on the engine's and handlers' counters, not on RSS.
final class StreamingTests: XCTestCase {
    private var fixture: GatewayFixture!
    private var group: MultiThreadedEventLoopGroup!
    private var bulk: EchoBackend!
    private var silent: SilentListener!

    /// Engine bound plus one curl write callback.
    private let engineBound = UpstreamBufferLimits.responseHighWater + 16384
    /// Channel high water mark, plus what was in flight from the engine when it was crossed, plus one part.
    private let channelBound = (256 << 10) + UpstreamBufferLimits.responseHighWater + 16384 + (64 << 10)

    override func setUp() async throws {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        bulk = try await EchoBackend.start(name: "bulk", host: "127.0.0.1", port: 0, group: group)
        silent = try await SilentListener(group: group)
        let bulkURL = "http://127.0.0.1:\(bulk.port)"
        fixture = try await GatewayFixture.start(
            extraRoutes: """
            , {"prefix": "/bulk", "backend": "bulk", "methods": {"GET": "public", "POST": "public"}}
            , {"prefix": "/stall", "backend": "stall", "methods": {"GET": "public"}}
            , {"prefix": "/silent", "backend": "silent", "methods": {"GET": "public"}}
            """,
            rawBackends: """
            "bulk": {"url": "\(bulkURL)", "timeout_ms": 0},
            "stall": {"url": "\(bulkURL)", "timeout_ms": 0, "idle_timeout_ms": 300},
            "silent": {"url": "http://127.0.0.1:\(silent.port)", "timeout_ms": 0, "response_header_timeout_ms": 300}
            """,
            maxBodyBytes: 1 << 30)
    }

    override func tearDown() async throws {
        try await fixture?.shutdown()
        try await silent?.close()
        try await bulk?.shutdown()
        try await group?.shutdownGracefully()
    }

    private func get(_ target: String, client: RawHTTPClient) throws {
        try client.send("GET \(target) HTTP/1.1\r\nHost: t\r\n\r\n")
    }

    func testClientThatStopsReadingPausesTheTransferAndTheDownloadArrivesIntact() async throws {
        let size = 64 << 20
        let client = try RawHTTPClient(port: fixture.port, receiveBuffer: 64 << 10)
        try get("/bulk/file?bytes=\(size)", client: client)
        let head = try client.readHead()
        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(head.header("Content-Length"), String(size))
        var digest = StreamDigest()
        try client.readBody(upTo: 1 << 20) { digest.update($0) }

        // The client stops reading: the transfer pauses, with bounded bytes held.
        try await waitUntil("the transfer to pause") { [gateway = self.fixture.gateway] in
            await gateway.waitForUpstreamStatistics { $0.receivePausedTransfers == 1 }
        }
        XCTAssertLessThanOrEqual(fixture.gateway.upstreamStatistics.peakBufferedResponseBytes, engineBound)
        XCTAssertLessThanOrEqual(fixture.gateway.forwardingStatistics.snapshot.peakUnwrittenResponseBytes, channelBound)

        // Reading again resumes it; the body is whole and in order.
        let read = try client.readBody(upTo: size - (1 << 20)) { digest.update($0) }
        XCTAssertEqual(read, size - (1 << 20))
        XCTAssertEqual(digest.hexDigest, EchoBackend.patternDigest(byteCount: size).hexDigest)
        try await waitUntil("the transfer to end") { [gateway = self.fixture.gateway] in
            await gateway.waitForUpstreamStatistics { $0.receivePausedTransfers == 0 }
        }
        XCTAssertLessThanOrEqual(fixture.gateway.upstreamStatistics.peakBufferedResponseBytes, engineBound)
    }

    func testSlowBackendToSlowClientStaysBoundedFor100MB() async throws {
        let size = 100_000_000
        let client = try RawHTTPClient(port: fixture.port, receiveBuffer: 64 << 10)
        try get("/bulk/slow?bytes=\(size)&chunk-delay-ms=1", client: client)
        XCTAssertEqual(try client.readHead().status, 200)
        var digest = StreamDigest()
        var read = 0
        while read < size {
            let n = try client.readBody(upTo: min(256 << 10, size - read)) { digest.update($0) }
            if n == 0 { break }
            read += n
            // A slow reader is the behaviour under test.
            if read % (4 << 20) < (256 << 10) { usleep(20_000) }   // the slow reader itself
        }
        XCTAssertEqual(read, size)
        XCTAssertEqual(digest.hexDigest, EchoBackend.patternDigest(byteCount: size).hexDigest)
        let upstream = fixture.gateway.upstreamStatistics
        XCTAssertLessThanOrEqual(upstream.peakBufferedResponseBytes, engineBound)
        XCTAssertLessThanOrEqual(fixture.gateway.forwardingStatistics.snapshot.peakUnwrittenResponseBytes, channelBound)
    }

    func testChunkedUploadOf50MBArrivesIntactWithBoundedBuffering() async throws {
        let size = 50 << 20
        let client = try RawHTTPClient(port: fixture.port, timeout: 30)
        try client.send("POST /bulk/upload?digest=1 HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n")
        var sent = 0
        var index = 0
        while sent < size {
            let chunk = EchoBackend.patternChunk(index)
            index += 1
            let part = Array(chunk.prefix(size - sent))
            try client.send(Array((String(part.count, radix: 16) + "\r\n").utf8) + part + [13, 10])
            sent += part.count
        }
        try client.send("0\r\n\r\n")
        let response = try client.readResponse()
        XCTAssertEqual(response.status, 200)
        let json = try response.json()
        XCTAssertEqual(json["body_bytes"] as? Int, size)
        XCTAssertEqual(json["digest"] as? String, EchoBackend.patternDigest(byteCount: size).hexDigest)
        // Queue bound, plus what one read loop (4 reads of at most 64 KiB) brings after a hold.
        XCTAssertLessThanOrEqual(fixture.gateway.upstreamStatistics.peakBufferedRequestBytes,
                                 UpstreamBufferLimits.requestBodyHighWater + (4 << 16))
    }

    func testSmallRequestCompletesWhileABigTransferIsPaused() async throws {
        let big = try RawHTTPClient(port: fixture.port, receiveBuffer: 64 << 10)
        try get("/bulk/big?bytes=\(256 << 20)", client: big)
        XCTAssertEqual(try big.readHead().status, 200)
        try await waitUntil("the big transfer to pause") { [gateway = self.fixture.gateway] in
            await gateway.waitForUpstreamStatistics { $0.receivePausedTransfers == 1 }
        }

        let token = try await fixture.token()
        for _ in 0..<3 {
            let small = try fixture.request("GET", "/appointments/1", token: token)
            XCTAssertEqual(small.status, 200)
            let streamed = try fixture.request("GET", "/bulk/small?bytes=1000")
            XCTAssertEqual(streamed.body.count, 1000)
        }
        XCTAssertEqual(fixture.gateway.upstreamStatistics.receivePausedTransfers, 1, "the big one is still paused")
    }

    func testNoResponseHeadInTimeIs504AndLogged() async throws {
        let response = try fixture.request("GET", "/silent/x")
        XCTAssertEqual(response.status, 504)
        let lines = try fixture.logLines()
        XCTAssertTrue(lines.contains { $0.contains("\"upstream_timeout\"") && $0.contains("/silent/x") }, "\(lines)")
    }

    func testBackendStallingMidBodyClosesTheClientConnection() async throws {
        let client = try RawHTTPClient(port: fixture.port)
        try get("/stall/x?bytes=1000000&stall-after=200000", client: client)
        let head = try client.readHead()
        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(head.header("Content-Length"), "1000000")
        let read = try client.readBody(upTo: 1_000_000) { _ in }
        XCTAssertEqual(read, 200000, "the body is cut where the backend stalled, by a close")
        XCTAssertTrue(client.isClosedByServer())
        XCTAssertEqual(fixture.gateway.upstreamStatistics.deadlineExpiries, 1)
    }
}
