import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// A small HTTP/1.1 keep-alive backend that echoes each request back as JSON, for
/// `scopegate demo-backend` and for tests of the upstream path.
///
/// Every request gets `200 OK`, `Content-Type: application/json`, `X-Backend: <name>` and
/// `{"backend", "method", "path", "query" (or null), "headers": [[name, value], ...],
/// "body_bytes", "body" (UTF-8 text up to 4 KiB, else null)}`. Query items change the answer:
/// `status=NNN` (200...599) sets the status; `set-header=Name:Value` adds a response header
/// (repeatable). `204` and `304` responses, and answers to `HEAD`, carry no body.
public final class EchoBackend: Sendable {
    struct Counters {
        var requests = 0
        var connections = 0
    }

    /// The name reported in `X-Backend` and in the JSON.
    public let name: String
    private let channel: any Channel
    private let counters: NIOLockedValueBox<Counters>

    private init(name: String, channel: any Channel, counters: NIOLockedValueBox<Counters>) {
        self.name = name
        self.channel = channel
        self.counters = counters
    }

    /// Binds `host:port` (port 0 picks a free one) on `group` and starts answering.
    /// With `redactAuthorization`, echoed `Authorization` values are cut after the scheme (for demos).
    public static func start(name: String, host: String, port: Int, group: any EventLoopGroup,
                             redactAuthorization: Bool = false) async throws -> EchoBackend {
        let counters = NIOLockedValueBox(Counters())
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                counters.withLockedValue { $0.connections += 1 }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(EchoHandler(name: name, counters: counters, redactAuthorization: redactAuthorization))
                }
            }
            .bind(host: host, port: port)
            .get()
        return EchoBackend(name: name, channel: channel, counters: counters)
    }

    /// The bound TCP port.
    public var port: Int { channel.localAddress?.port ?? 0 }
    /// Requests answered so far.
    public var requestCount: Int { counters.withLockedValue { $0.requests } }
    /// TCP connections accepted so far (to observe keep-alive reuse).
    public var connectionCount: Int { counters.withLockedValue { $0.connections } }

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
    private var head: HTTPRequestHead?
    private var body: ByteBuffer?

    init(name: String, counters: NIOLockedValueBox<EchoBackend.Counters>, redactAuthorization: Bool) {
        self.name = name
        self.counters = counters
        self.redactAuthorization = redactAuthorization
    }

    private func echoed(_ name: String, _ value: String) -> String {
        guard redactAuthorization, name.lowercased() == "authorization" else { return value }
        return (value.split(separator: " ").first.map(String.init) ?? "") + " (redacted by the demo backend)"
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            self.body = context.channel.allocator.buffer(capacity: 0)
        case .body(var part):
            body?.writeBuffer(&part)
        case .end:
            guard let head else { return }
            respond(to: head, body: body ?? ByteBuffer(), context: context)
            self.head = nil
            self.body = nil
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
