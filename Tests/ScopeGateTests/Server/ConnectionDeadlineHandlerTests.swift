import NIOCore
import NIOEmbedded
import XCTest
@testable import ScopeGateServer

/// ``ConnectionDeadlineHandler`` in an `EmbeddedChannel`: raw bytes in, exact bytes out, the
/// phase events the HTTP handler would send, and the embedded loop's virtual clock (time moves
/// only when the test advances it).
final class ConnectionDeadlineHandlerTests: XCTestCase {
    /// The body rules under test: 1024 bytes/s after a 10 s grace, a 30 s idle deadline.
    private static let deadlines = ClientDeadlines(
        keepAlive: .seconds(60), requestHead: .seconds(10), bodyIdle: .seconds(30),
        body: .init(wholeBody: nil, minBytesPerSecond: 1024, grace: .seconds(10)))

    private var channel: EmbeddedChannel!
    private var events: ExpiryRecorder!

    private func start(_ deadlines: ClientDeadlines = deadlines) throws {
        events = ExpiryRecorder()
        channel = EmbeddedChannel(handlers: [ConnectionDeadlineHandler(deadlines: deadlines), events])
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
    }

    override func tearDown() {
        _ = try? channel?.finish()
    }

    private func read(_ count: Int) throws {
        try channel.writeInbound(channel.allocator.buffer(repeating: 0x61, count: count))
        _ = try channel.readInbound(as: ByteBuffer.self)
    }

    private func report(_ phase: ConnectionPhase) {
        channel.pipeline.triggerUserOutboundEvent(phase, promise: nil)
    }

    private func advance(_ amount: TimeAmount) {
        channel.embeddedEventLoop.advanceTime(by: amount)
    }

    private func written() throws -> String {
        var text = ""
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) { text += String(buffer: buffer) }
        return text
    }

    /// A head, then one byte a second: cut when the grace is used up (10 s plus what 10 bytes earn).
    func testTricklingBodyGets408WhenTheGraceIsUsedUp() throws {
        try start()
        try read(60)   // the head's bytes
        report(.requestHeadReceived)
        for _ in 1...10 {
            advance(.seconds(1))
            try read(1)
        }
        XCTAssertTrue(channel.isActive, "within 10 s and what 10 bytes earn")
        advance(.milliseconds(9))
        XCTAssertTrue(channel.isActive)
        advance(.milliseconds(1))   // past 10 s + 10/1024 s ≈ 10.0098 s after the head
        XCTAssertFalse(channel.isActive)
        XCTAssertEqual(try written(), ConnectionDeadlineHandler.requestTimeoutResponse)
        XCTAssertEqual(events.expired, [ClientDeadlineExpired(
            stage: .bodyRate(minBytesPerSecond: 1024, graceMilliseconds: 10_000, receivedBytes: 10, elapsedMilliseconds: 10_009),
            responseStarted: false)])
        XCTAssertEqual(events.expired.first?.description,
                       "request body slower than 1024 bytes/s after a 10000 ms grace: 10 bytes in 10009 ms")
    }

    /// 2 KiB/s for two minutes, then the end: never cut, nothing written.
    func testSteadyBodyAboveTheRateIsNotCut() throws {
        try start()
        report(.requestHeadReceived)
        for _ in 1...120 {
            advance(.seconds(1))
            try read(2048)
        }
        report(.requestComplete)
        advance(.seconds(50))
        XCTAssertTrue(channel.isActive)
        XCTAssertEqual(try written(), "")
        XCTAssertEqual(events.expired, [])
    }

    /// The gateway holding the reads (backpressure, a key refetch) stops the clock.
    func testHeldReadsDoNotCount() throws {
        try start()
        report(.requestHeadReceived)
        advance(.seconds(5))
        report(.requestBodyHeld)
        advance(.seconds(120))
        XCTAssertTrue(channel.isActive, "no deadline while held")
        report(.requestBodyResumed)
        advance(.milliseconds(4_990))
        XCTAssertTrue(channel.isActive, "5 s of grace were left")
        advance(.milliseconds(20))
        XCTAssertFalse(channel.isActive)
        guard case .bodyRate(_, _, 0, let elapsed)? = events.expired.first?.stage else {
            return XCTFail("\(events.expired)")
        }
        XCTAssertEqual(elapsed, 10_000, "held time is left out of the elapsed time too")
    }

    func testWholeBodyDeadline() throws {
        try start(ClientDeadlines(keepAlive: .seconds(60), requestHead: .seconds(10), bodyIdle: .seconds(30),
                                  body: .init(wholeBody: .seconds(20), minBytesPerSecond: 0, grace: .zero)))
        report(.requestHeadReceived)
        for _ in 1...19 {
            advance(.seconds(1))
            try read(1024)
        }
        advance(.milliseconds(999))
        XCTAssertTrue(channel.isActive)
        advance(.milliseconds(1))
        XCTAssertFalse(channel.isActive)
        XCTAssertEqual(events.expired.map(\.stage), [.bodyTimeout(milliseconds: 20_000)])
        XCTAssertEqual(events.expired.first?.description, "request body not complete within 20000 ms")
    }

    /// The idle deadline still applies, and wins when it comes first (the rate is off here).
    func testIdleDeadlineStillApplies() throws {
        try start(ClientDeadlines(keepAlive: .seconds(60), requestHead: .seconds(10), bodyIdle: .seconds(3),
                                  body: .init(wholeBody: nil, minBytesPerSecond: 0, grace: .zero)))
        report(.requestHeadReceived)
        advance(.seconds(2))
        try read(5)
        advance(.milliseconds(2_999))
        XCTAssertTrue(channel.isActive)
        advance(.milliseconds(1))
        XCTAssertFalse(channel.isActive)
        XCTAssertEqual(try written(), ConnectionDeadlineHandler.requestTimeoutResponse)
        XCTAssertEqual(events.expired.map(\.stage), [.bodyIdle(milliseconds: 3_000)])
    }

    /// The head deadline is fixed: bytes do not extend it.
    func testHeadDeadlineStillApplies() throws {
        try start()
        for _ in 1...9 {
            try read(1)
            advance(.seconds(1))
        }
        try read(1)
        XCTAssertTrue(channel.isActive)
        advance(.seconds(1))
        XCTAssertFalse(channel.isActive)
        XCTAssertEqual(events.expired.map(\.stage), [.head(milliseconds: 10_000)])
    }

    /// An interim `100 Continue` is not the response: the trickle still gets its 408 after it.
    func testInterimResponseDoesNotStopThe408() throws {
        try start()
        report(.requestHeadReceived)
        try channel.writeOutbound(channel.allocator.buffer(string: "HTTP/1.1 100 Continue\r\n\r\n"))
        advance(.seconds(11))
        XCTAssertFalse(channel.isActive)
        XCTAssertEqual(try written(), "HTTP/1.1 100 Continue\r\n\r\n" + ConnectionDeadlineHandler.requestTimeoutResponse)
    }

    /// Once the final response started, the deadline cuts the connection without a 408 and says so.
    func testStartedResponseIsCutWithoutA408() throws {
        try start()
        report(.requestHeadReceived)
        report(.responseStarted)
        try channel.writeOutbound(channel.allocator.buffer(string: "HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\npart"))
        XCTAssertEqual(try written(), "HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\npart")
        advance(.seconds(11))
        XCTAssertFalse(channel.isActive)
        XCTAssertEqual(try written(), "")
        XCTAssertEqual(events.expired.map(\.responseStarted), [true])
        XCTAssertEqual(events.expired.first?.description,
                       "request body slower than 1024 bytes/s after a 10000 ms grace: 0 bytes in 10000 ms"
                       + "; the response had started, so the connection was cut")
    }

    /// The next request starts afresh: the previous response does not count as this one's.
    func testResponseStartedIsPerRequest() throws {
        try start()
        report(.requestHeadReceived)
        report(.responseStarted)
        report(.requestComplete)
        report(.responseComplete)
        try read(40)
        report(.requestHeadReceived)
        advance(.seconds(11))
        XCTAssertFalse(channel.isActive)
        XCTAssertEqual(try written(), ConnectionDeadlineHandler.requestTimeoutResponse)
    }
}

/// Collects the ``ClientDeadlineExpired`` events that reach the HTTP handler's place.
private final class ExpiryRecorder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    var expired: [ClientDeadlineExpired] = []

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ClientDeadlineExpired { expired.append(event) }
        context.fireUserInboundEventTriggered(event)
    }
}
