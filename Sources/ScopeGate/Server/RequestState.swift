import NIOCore
import NIOHTTP1

/// Where a connection's current request stands. One request at a time: the pipelining
/// handler in front holds back the next request until this one's response has ended.
enum RequestState {
    /// Between requests.
    case idle
    /// The token named a `kid` its issuer's key set lacks; waiting for the key source's
    /// refetch before deciding again (the body is not read meanwhile).
    case awaitingKeys(Exchange)
    /// A denial was sent; the rest of the request is ignored, then the connection is
    /// closed if `close`.
    case discarding(close: Bool)
    /// Allowed and handed to the upstream engine at its head: the request body (if any) is
    /// streamed to it as it arrives, and its response is relayed as it arrives.
    case forwarding(Exchange)
    /// The connection is going away; nothing more is written.
    case closing
}

/// One request on its way through the gateway.
final class Exchange {
    let head: HTTPRequestHead
    /// Whether the request has a body: a `Content-Length` above zero or `Transfer-Encoding` (RFC 9112 §6.3).
    let expectsBody: Bool
    /// The declared `Content-Length`, when there is one.
    let declaredLength: Int?
    var allowance: Allowance?
    var transfer: UpstreamTransfer?
    /// Request-body bytes received from the client so far.
    var receivedBodyBytes = 0
    /// The engine's request-body queue is full: the client is not read until it drains.
    var clientReadsHeld = false
    var responseStarted = false
    /// Whether the request's end was read.
    var requestEnded = false
    /// The request ID: the client's when valid, else generated; forwarded, echoed and logged.
    var requestID = ""
    /// Body parts read while the decision waited for a key refetch (few: reads are held).
    var pendingBody: [ByteBuffer] = []
    /// Whether the connection closes after this response: the client asked for it, spoke
    /// HTTP/1.0 without keep-alive, or sent `CONNECT` or `Upgrade` (neither is supported;
    /// NIO's decoder stops parsing after them, so the connection cannot carry another request).
    var closeAfterResponse: Bool

    init(head: HTTPRequestHead) {
        self.head = head
        let length = head.headers["Content-Length"].first.flatMap { Int($0) }
        self.declaredLength = length
        self.expectsBody = (length ?? 0) > 0 || head.headers.contains(name: "Transfer-Encoding")
        self.closeAfterResponse = !head.isKeepAlive || head.method == .CONNECT || head.headers.contains(name: "Upgrade")
    }
}
