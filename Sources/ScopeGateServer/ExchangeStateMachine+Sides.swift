import NIOCore
import NIOHTTP1

/// The data the states carry: kept body parts, the read gate, and the two sides of a forwarded exchange.
extension ExchangeStateMachine {
    /// Body parts kept until the upstream starts (during a key wait, or a deferred start).
    struct Gathered: Equatable {
        var parts: [ByteBuffer] = []
        /// The request's end was read.
        var ended = false
    }

    /// Whether the gateway holds the client's reads because the upstream queue is full.
    enum ReadGate: Equatable {
        case open
        /// `readPending`: the channel asked for a read meanwhile.
        case held(readPending: Bool)
    }

    enum RequestSide: Equatable {
        /// Allowed with a body; the upstream starts at ``readComplete()``.
        case gathering(Gathered)
        /// The upstream has started; body parts (if any) stream to it until the end.
        case sending
        /// The request's end was read.
        case ended
    }

    enum ResponseSide: Equatable {
        case awaitingHead
        /// Built, not written: a failure in the same engine batch can still be answered with 502.
        /// `bytesLeft`: body bytes the forwarded `Content-Length` still allows (`nil`: no limit).
        case headHeld(HTTPResponseHead, bytesLeft: Int?)
        /// The client has the head: a failure can only cut the connection.
        case streaming(bytesLeft: Int?)
    }
}
