import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import ScopeGateObservability

/// A small HTTP/1.1 keep-alive backend that echoes each request back as JSON, for
/// `scopegate demo-backend` and for tests of the upstream path.
///
/// Every request gets `200 OK`, `Content-Type: application/json`, `X-Backend: <name>` and
/// `{"backend", "method", "path", "query" (or null), "headers": [[name, value], ...],
/// "body_bytes", "body" (UTF-8 text up to 4 KiB, else null)}`. Query items change the answer:
/// `status=NNN` (200...599) sets the status; `set-header=Name:Value` adds a response header
/// (repeatable). `204` and `304` responses, and answers to `HEAD`, carry no body.
///
/// Streaming modes, for large bodies: `digest=1` keeps no body and answers
/// `{"backend", "body_bytes", "digest"}` (a ``StreamDigest``); `bytes=N` answers with N bytes
/// of ``patternChunk(_:)`` (`Content-Length: N`), written as fast as the connection takes them
/// (it waits while the channel is not writable), with `chunk-delay-ms=D` between 64 KiB
/// chunks and `stall-after=K` to go silent after K bytes (the connection stays open).
/// `head-delay-ms=D` delays any answer by D ms; `start(delay:)` sets that delay for every
/// request without one (a slow backend for load tests). Delays are timers on the connection's
/// event loop (`scheduleTask`): a waiting answer holds no thread, so one loop keeps any number
/// of requests waiting at once.
public final class EchoBackend: Sendable {
    struct Counters {
        var requests = 0
        var connections = 0
        var heads = 0
    }

    /// The name reported in `X-Backend` and in the JSON.
    public let name: String
    private let channel: any Channel
    private let counters: NIOLockedValueBox<Counters>
    /// Signalled whenever a request head arrives (``waitForHeads(_:timeout:)``).
    private let headArrived: HeadSignal

    private init(name: String, channel: any Channel, counters: NIOLockedValueBox<Counters>, headArrived: HeadSignal) {
        self.name = name
        self.channel = channel
        self.counters = counters
        self.headArrived = headArrived
    }

    /// Binds `host:port` (port 0 picks a free one) on `group` and starts answering.
    /// With `redactAuthorization`, echoed `Authorization` values are cut after the scheme (for demos).
    /// A `delay` holds every answer that long after the request ended, unless the request names
    /// its own `head-delay-ms`.
    public static func start(name: String, host: String, port: Int, group: any EventLoopGroup,
                             redactAuthorization: Bool = false, delay: TimeAmount? = nil) async throws -> EchoBackend {
        let counters = NIOLockedValueBox(Counters())
        let headArrived = HeadSignal()
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                counters.withLockedValue { $0.connections += 1 }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(EchoHandler(name: name, counters: counters, headArrived: headArrived, redactAuthorization: redactAuthorization, delay: delay))
                }
            }
            .bind(host: host, port: port)
            .get()
        return EchoBackend(name: name, channel: channel, counters: counters, headArrived: headArrived)
    }

    /// The bound TCP port.
    public var port: Int { channel.localAddress?.port ?? 0 }
    /// Requests answered so far.
    public var requestCount: Int { counters.withLockedValue { $0.requests } }
    /// Request heads received so far, answered or not (a request cut off mid-body counts).
    public var headCount: Int { counters.withLockedValue { $0.heads } }

    /// Blocks (never on an event loop) until at least `count` request heads arrived, or
    /// `timeout` seconds passed; returns whether they did. Woken by each head, not by polling.
    public func waitForHeads(_ count: Int, timeout: TimeInterval) -> Bool {
        headArrived.wait(until: Date(timeIntervalSinceNow: timeout)) { [counters] in
            counters.withLockedValue { $0.heads } >= count
        }
    }
    /// TCP connections accepted so far (to observe keep-alive reuse).
    public var connectionCount: Int { counters.withLockedValue { $0.connections } }

    /// Size of one ``patternChunk(_:)``: 64 KiB.
    public static let patternChunkSize = 64 << 10

    private static let patternTemplate: [UInt8] = (0..<patternChunkSize).map { UInt8(truncatingIfNeeded: ($0 &* 131) ^ ($0 >> 7)) }

    /// Chunk `index` of the `bytes=N` answer: a fixed 64 KiB pattern whose first 8 bytes are
    /// `index` (little-endian), so lost or repeated chunks change the digest.
    public static func patternChunk(_ index: Int) -> [UInt8] {
        var chunk = patternTemplate
        withUnsafeBytes(of: UInt64(index).littleEndian) { chunk.replaceSubrange(0..<8, with: $0) }
        return chunk
    }

    /// The digest of the first `count` bytes of the `bytes=N` answer.
    public static func patternDigest(byteCount count: Int) -> StreamDigest {
        var digest = StreamDigest()
        var index = 0
        while index * patternChunkSize < count {
            let chunk = patternChunk(index)
            digest.update(Array(chunk.prefix(count - index * patternChunkSize)))
            index += 1
        }
        return digest
    }

    /// Stops accepting; open connections are closed by the event loop group's shutdown.
    public func shutdown() async throws {
        try await channel.close()
    }
}

private final class EchoHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let name: String
    private let counters: NIOLockedValueBox<EchoBackend.Counters>
    private let redactAuthorization: Bool
    /// Default answer delay (`start(delay:)`), used when the request names no `head-delay-ms`.
    private let delay: TimeAmount?
    private var head: HTTPRequestHead?
    private var body: ByteBuffer?
    /// `digest=1`: the body is summed, not kept.
    private var digest: StreamDigest?
    /// A `bytes=N` answer being written.
    private var download: Download?

    private struct Download {
        var remaining: Int
        var sent = 0
        var chunkIndex = 0
        let stallAfter: Int?
        let chunkDelay: TimeAmount?
        let keepAlive: Bool
    }

    private let headArrived: HeadSignal

    init(name: String, counters: NIOLockedValueBox<EchoBackend.Counters>, headArrived: HeadSignal, redactAuthorization: Bool,
         delay: TimeAmount?) {
        self.headArrived = headArrived
        self.name = name
        self.counters = counters
        self.redactAuthorization = redactAuthorization
        self.delay = delay
    }

    private func echoed(_ name: String, _ value: String) -> String {
        guard redactAuthorization, name.lowercased() == "authorization" else { return value }
        return (value.split(separator: " ").first.map(String.init) ?? "") + " (redacted by the demo backend)"
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            counters.withLockedValue { $0.heads += 1 }
            headArrived.signal()
            if Self.queryItems(head).contains("digest=1") {
                digest = StreamDigest()
            } else {
                body = context.channel.allocator.buffer(capacity: 0)
            }
        case .body(var part):
            if digest != nil {
                part.withUnsafeReadableBytes { digest!.update($0) }
            } else {
                body?.writeBuffer(&part)
            }
        case .end:
            guard let head else { return }
            let body = self.body ?? ByteBuffer()
            let digest = self.digest
            self.head = nil
            self.body = nil
            self.digest = nil
            let items = Self.queryItems(head)
            if let delay = Self.number(items, "head-delay-ms").map({ TimeAmount.milliseconds(Int64($0)) }) ?? self.delay {
                context.eventLoop.assumeIsolated().scheduleTask(in: delay) {
                    self.answer(head, body: body, digest: digest, items: items, context: context)
                }
            } else {
                answer(head, body: body, digest: digest, items: items, context: context)
            }
        }
    }

    private static func queryItems(_ head: HTTPRequestHead) -> [Substring] {
        let target = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        return target.count > 1 ? target[1].split(separator: "&") : []
    }

    private static func number(_ items: [Substring], _ name: String) -> Int? {
        items.first { $0.hasPrefix(name + "=") }.flatMap { Int($0.dropFirst(name.count + 1)) }
    }

    private func answer(_ head: HTTPRequestHead, body: ByteBuffer, digest: StreamDigest?, items: [Substring], context: ChannelHandlerContext) {
        guard context.channel.isActive else { return }
        if let count = Self.number(items, "bytes"), count >= 0 {
            counters.withLockedValue { $0.requests += 1 }
            var headers = HTTPHeaders([("Content-Type", "application/octet-stream"), ("X-Backend", name),
                                       ("Content-Length", String(count))])
            if !head.isKeepAlive { headers.add(name: "Connection", value: "close") }
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
            download = Download(remaining: count, stallAfter: Self.number(items, "stall-after"),
                                chunkDelay: Self.number(items, "chunk-delay-ms").map { .milliseconds(Int64($0)) },
                                keepAlive: head.isKeepAlive)
            pump(context: context)
        } else if let digest {
            counters.withLockedValue { $0.requests += 1 }
            let json = "{\"backend\":\(JSON.string(name)),\"body_bytes\":\(digest.count),\"digest\":\"\(digest.hexDigest)\"}"
            var headers = HTTPHeaders([("Content-Type", "application/json"), ("X-Backend", name),
                                       ("Content-Length", String(json.utf8.count))])
            if !head.isKeepAlive { headers.add(name: "Connection", value: "close") }
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: json)))), promise: nil)
            finish(keepAlive: head.isKeepAlive, context: context)
        } else {
            respond(to: head, body: body, context: context)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        // With a chunk delay, the timer drives the writes (one chain of them).
        if context.channel.isWritable, download?.chunkDelay == nil { pump(context: context) }
        context.fireChannelWritabilityChanged()
    }

    /// Writes `bytes=N` chunks while the channel takes them.
    private func pump(context: ChannelHandlerContext) {
        guard var plan = download, context.channel.isActive else { return }
        while plan.remaining > 0 && context.channel.isWritable {
            if let stall = plan.stallAfter, plan.sent >= stall {
                download = plan
                context.flush()
                return   // silent from here on, connection open
            }
            var size = min(EchoBackend.patternChunkSize, plan.remaining)
            if let stall = plan.stallAfter { size = min(size, stall - plan.sent) }
            let chunk = EchoBackend.patternChunk(plan.chunkIndex)
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: chunk[0..<size])))), promise: nil)
            plan.sent += size
            plan.remaining -= size
            plan.chunkIndex += 1
            if let delay = plan.chunkDelay, plan.remaining > 0 {
                download = plan
                context.flush()
                context.eventLoop.assumeIsolated().scheduleTask(in: delay) { self.pump(context: context) }
                return
            }
        }
        download = plan
        context.flush()
        if plan.remaining == 0 {
            download = nil
            finish(keepAlive: plan.keepAlive, context: context)
        }
    }

    private func finish(keepAlive: Bool, context: ChannelHandlerContext) {
        let done = context.writeAndFlushPromise(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            let channel = context.channel
            done.futureResult.whenComplete { _ in channel.close(promise: nil) }
        }
    }

    private func respond(to request: HTTPRequestHead, body: ByteBuffer, context: ChannelHandlerContext) {
        counters.withLockedValue { $0.requests += 1 }
        let target = request.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let path = String(target[0])
        let query = target.count > 1 ? String(target[1]) : nil

        var status = HTTPResponseStatus.ok
        var chunked = false
        var headers = HTTPHeaders([("Content-Type", "application/json"), ("X-Backend", name)])
        for item in (query ?? "").split(separator: "&") {
            if item.hasPrefix("status="), let code = Int(item.dropFirst(7)), (200...999).contains(code) {
                status = HTTPResponseStatus(statusCode: code)
            } else if item == "chunked=1" {
                chunked = true
            } else if item.hasPrefix("set-header="), let colon = item.firstIndex(of: ":") {
                headers.add(name: String(item[item.index(item.startIndex, offsetBy: 11)..<colon]), value: String(item[item.index(after: colon)...]))
            }
        }

        let bytes = body.getBytes(at: body.readerIndex, length: body.readableBytes) ?? []
        let text = String(decoding: bytes, as: UTF8.self)
        let echoedBody = bytes.count <= 4096 && Array(text.utf8) == bytes ? JSON.string(text) : "null"
        let json = "{\"backend\":\(JSON.string(name)),\"method\":\(JSON.string(request.method.rawValue))"
            + ",\"path\":\(JSON.string(path)),\"query\":\(query.map(JSON.string) ?? "null")"
            + ",\"headers\":[\(request.headers.map { "[\(JSON.string($0.name)),\(JSON.string(echoed($0.name, $0.value)))]" }.joined(separator: ","))]"
            + ",\"body_bytes\":\(bytes.count),\"body\":\(echoedBody)}"

        let bodiless = status == .noContent || status == .notModified
        if !bodiless && !chunked { headers.add(name: "Content-Length", value: String(json.utf8.count)) }
        let keepAlive = request.isKeepAlive
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        if !bodiless && request.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: json)))), promise: nil)
        }
        let done = context.writeAndFlushPromise(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            let channel = context.channel
            done.futureResult.whenComplete { _ in channel.close(promise: nil) }
        }
    }
}

private extension ChannelHandlerContext {
    func writeAndFlushPromise(_ data: NIOAny) -> EventLoopPromise<Void> {
        let promise = eventLoop.makePromise(of: Void.self)
        writeAndFlush(data, promise: promise)
        return promise
    }
}

/// JSON string encoding (RFC 8259 §7), shared with the event log.
private enum JSON {
    static func string(_ value: String) -> String {
        var out = ""
        JSONLine.appendQuoted(value, to: &out)
        return out
    }
}

/// A condition a test thread waits on until a predicate holds; ``signal()`` re-checks it.
final class HeadSignal: @unchecked Sendable {
    private let condition = NSCondition()

    func signal() {
        condition.lock()
        condition.broadcast()
        condition.unlock()
    }

    /// Waits until `holds` is true or `deadline` passes; returns the last result of `holds`.
    func wait(until deadline: Date, _ holds: () -> Bool) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while !holds() {
            if !condition.wait(until: deadline) { return holds() }
        }
        return true
    }
}
