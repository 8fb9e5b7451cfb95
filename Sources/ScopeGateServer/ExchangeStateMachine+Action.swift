import NIOCore
import NIOHTTP1

/// What the handler does after a transition: one ``Action`` per event.
extension ExchangeStateMachine {
    /// How the response that ends an exchange leaves the connection.
    enum CloseMode: Equatable {
        case keepAlive
        /// Close once the response is written.
        case close
        /// The client may still be sending a body nobody reads: shut the write side once the
        /// response is written, read and drop the rest, and close after a linger.
        case lingeringClose
    }

    /// Client reads held by the gateway (upstream queue full, or a key wait) are released:
    /// report the phase change to the deadline handler if `phase`, and issue the `read()` the
    /// channel asked for meanwhile if `read`.
    struct Release: Equatable {
        var phase: Bool
        var read: Bool
    }

    enum Action: Equatable {
        /// Nothing to do.
        case none
        /// The event belongs to an exchange that is over (a late upstream event, a stale deferred start).
        case drop
        /// Pass the `read()` on.
        case read
        /// The upstream queue is full: stop reading the client (phase `requestBodyHeld`;
        /// counted in the statistics if `count`).
        case holdReads(count: Bool)
        case releaseReads(Release)
        /// Allowed with a body not read to its end, inside a read: write `100 Continue` if
        /// `writeContinue`; the upstream starts at ``readComplete()``, so that a bad chunk or an
        /// oversized body in the same read is refused before any byte reaches the backend.
        case awaitReadComplete(writeContinue: Bool)
        /// Write `100 Continue` if `writeContinue`, start the upstream transfer, queue `parts`,
        /// then finish the body if `finishBody`; report the queue with
        /// ``upstreamStarted(queueFull:readPending:)``, passing `readPending`.
        case startUpstream(parts: [ByteBuffer], finishBody: Bool, writeContinue: Bool, readPending: Bool)
        /// Queue a body part on the transfer; report a full queue with ``upstreamQueueFull()``.
        case sendBody(ByteBuffer)
        case finishBody
        /// Write a response body part, after the held head if there is one (phase `responseStarted`).
        case writeBody(ByteBuffer, heldHead: HTTPResponseHead?)
        /// Write the held head and flush (phase `responseStarted`).
        case writeHead(HTTPResponseHead)
        /// End the forwarded response (after the held head if there is one) and record the exchange.
        case endResponse(heldHead: HTTPResponseHead?, CloseMode, Release?)
        /// The gateway answers itself (health, preflight, denial, 413, 502/504): write it and
        /// close as `CloseMode` says; release held reads first.
        case answer(CloseMode, Release?)
        /// The response cannot be answered or ended any more: close the connection now.
        case cut(Release?)
        /// The backend sent more body than its `Content-Length`: fail the transfer.
        case failUpstream(String)
        /// Close once the response in flight (if any) is written.
        case closeWhenWritten
        /// An impossible event: assert in debug, log and close in release.
        case failConnection(String)
    }
}
