import NIOCore
import NIOHTTP1

/// Where a connection's current request stands. One request at a time: the pipelining
/// handler in front holds back the next request until this one's response has ended.
enum RequestState {
    /// Between requests.
    case idle
    /// Allowed; the request body is being read before forwarding.
    case collecting(Exchange)
    /// The token named a `kid` its issuer's key set lacks; waiting for the key source's
    /// refetch before deciding again (the body, if any, is read meanwhile).
    case awaitingKeys(Exchange)
    /// A denial was sent; the rest of the request is ignored, then the connection is
    /// closed if `close`.
    case discarding(close: Bool)
    /// Handed to the upstream engine; its response is being relayed.
    case forwarding(Exchange)
    /// The connection is going away; nothing more is written.
    case closing
}

/// One request on its way through the gateway.
final class Exchange {
    let head: HTTPRequestHead
    /// Whether the request has a body: a `Content-Length` above zero or `Transfer-Encoding` (RFC 9112 §6.3).
    let expectsBody: Bool
    var allowance: Allowance?
    var body: ByteBuffer?
    var transfer: UpstreamTransfer?
    var responseStarted = false
    /// Whether the request's end was read.
    var requestEnded = false
    /// The request ID: the client's when valid, else generated; forwarded, echoed and logged.
    var requestID = ""
    /// Response bytes handed to the channel and not yet written to the socket.
    var unwrittenResponseBytes = 0
    /// Whether the connection closes after this response: the client asked for it, spoke
    /// HTTP/1.0 without keep-alive, or sent `CONNECT` or `Upgrade` (neither is supported;
    /// NIO's decoder stops parsing after them, so the connection cannot carry another request).
    var closeAfterResponse: Bool

    init(head: HTTPRequestHead) {
        self.head = head
        let length = head.headers["Content-Length"].first.flatMap { Int($0) } ?? 0
        self.expectsBody = length > 0 || head.headers.contains(name: "Transfer-Encoding")
        self.closeAfterResponse = !head.isKeepAlive || head.method == .CONNECT || head.headers.contains(name: "Upgrade")
    }
}
