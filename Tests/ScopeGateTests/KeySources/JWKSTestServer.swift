import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
@testable import ScopeGateDemo


/// An HTTP/1.1 server on 127.0.0.1 serving documents by path, for the key-source tests (and
/// the pages of the browser test: a document names its `Content-Type`).
///
/// Each path answers with its ``Document`` (404 when none); ``failAll`` overrides every answer
/// with that status and a short text body. Requests are counted per path.
final class JWKSTestServer: Sendable {
    struct Document: Sendable {
        var status = 200
        var body: [UInt8]
        var cacheControl: String?
        var contentType = "application/json"
    }

    private struct State {
        var documents: [String: Document] = [:]
        var failAll: Int?
        var counts: [String: Int] = [:]
        /// Accepted connections, closed by ``stop()`` so keep-alive cannot outlive the server.
        var connections: [any Channel] = []
    }

    private let channel: any Channel
    private let state: NIOLockedValueBox<State>

    init(group: any EventLoopGroup) async throws {
        let state = NIOLockedValueBox(State())
        self.state = state
        channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                state.withLockedValue { $0.connections.append(channel) }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Handler(state: state))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
    }

    var port: Int { channel.localAddress?.port ?? 0 }
    /// `http://127.0.0.1:<port>` without a trailing slash.
    var base: String { "http://127.0.0.1:\(port)" }
    func url(_ path: String) -> String { base + path }

    /// Serves `document` at `path` from now on.
    func serve(_ path: String, _ document: Document) {
        state.withLockedValue { $0.documents[path] = document }
    }

    /// Serves a JWKS of `keys` at `path`.
    func serveJWKS(_ path: String, _ keys: [DemoKeyPair], cacheControl: String? = nil) {
        serve(path, Document(body: DemoKeyPair.jwksJSON(keys.map { $0.publicJWK() }), cacheControl: cacheControl))
    }

    /// `nil` serves documents again; a status makes every request fail with it.
    func failAll(_ status: Int?) {
        state.withLockedValue { $0.failAll = status }
    }

    /// Requests received for `path` (all paths when `nil`).
    func requestCount(_ path: String? = nil) -> Int {
        state.withLockedValue { state in
            path.map { state.counts[$0] ?? 0 } ?? state.counts.values.reduce(0, +)
        }
    }

    /// Stops listening and closes every accepted connection.
    func stop() async throws {
        try await channel.close()
        for connection in state.withLockedValue({ $0.connections }) {
            try? await connection.close()
        }
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        private let state: NIOLockedValueBox<State>
        private var head: HTTPRequestHead?

        init(state: NIOLockedValueBox<State>) {
            self.state = state
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head): self.head = head
            case .body: break
            case .end:
                guard let head else { return }
                self.head = nil
                respond(to: head, context: context)
            }
        }

        private func respond(to request: HTTPRequestHead, context: ChannelHandlerContext) {
            let path = String(request.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0])
            let document: Document = state.withLockedValue { state in
                state.counts[path, default: 0] += 1
                if let status = state.failAll { return Document(status: status, body: Array("failing".utf8)) }
                return state.documents[path] ?? Document(status: 404, body: Array("not found".utf8))
            }
            var headers = HTTPHeaders([("Content-Type", document.contentType), ("Content-Length", String(document.body.count))])
            if let cacheControl = document.cacheControl { headers.add(name: "Cache-Control", value: cacheControl) }
            let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: document.status), headers: headers)
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: document.body)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}
