import NIOCore
import ScopeGateUpstream

/// Receives one exchange's forward events (on the connection's event loop) and passes
/// them to the handler, tagged with the exchange they belong to, so a late event from a
/// cancelled forward can never touch the next request.
final class UpstreamRelay: UpstreamForwardDelegate {
    private let handler: GatewayHTTPHandler
    private let exchange: Exchange

    init(handler: GatewayHTTPHandler, exchange: Exchange) {
        self.handler = handler
        self.exchange = exchange
    }

    func upstreamDidReceiveHead(_ head: UpstreamResponseHead) { handler.relayHead(head, for: exchange) }
    func upstreamDidReceiveBodyPart(_ part: ByteBuffer) { handler.relayBodyPart(part, for: exchange) }
    func upstreamDidFinish() { handler.relayEnd(for: exchange) }
    func upstreamDidFail(_ error: UpstreamError, afterHead: Bool) { handler.relayFailure(error, for: exchange) }
    func upstreamWillRetry(after error: UpstreamError, on instance: BackendPool.Instance) {
        handler.relayRetry(after: error, on: instance, for: exchange)
    }
    func upstreamWantsMoreBody() { handler.resumeReadingBody(for: exchange) }
    func upstreamDidDeliverEvents() { handler.relayHeldHead(for: exchange) }
}
