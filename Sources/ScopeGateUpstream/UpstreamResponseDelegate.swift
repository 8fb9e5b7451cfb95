import NIOCore

/// Receives one transfer's response.
///
/// Threading: every call happens on the event loop passed to ``CurlEngine/execute(_:on:delegate:)``,
/// in order: ``upstreamDidReceiveHead(_:)`` once, ``upstreamDidReceiveBodyPart(_:)`` zero or more
/// times, then exactly one of ``upstreamDidFinish()`` or ``upstreamDidFail(_:afterHead:)``;
/// ``upstreamWantsMoreBody()`` may come at any point before the last call.
/// After ``UpstreamTransfer/cancel()`` returns on that event loop, no call is made at all.
/// The engine holds the delegate strongly until the last call or cancellation, then releases it.
public protocol UpstreamResponseDelegate: AnyObject {
    /// The final response's status and end-to-end headers arrived.
    func upstreamDidReceiveHead(_ head: UpstreamResponseHead)
    /// A piece of the (de-chunked, otherwise unchanged) response body arrived.
    func upstreamDidReceiveBodyPart(_ part: ByteBuffer)
    /// The response is complete.
    func upstreamDidFinish()
    /// The transfer failed. `afterHead` is true when ``upstreamDidReceiveHead(_:)`` was already
    /// called, so the client has possibly been sent a status line and can only be cut off.
    func upstreamDidFail(_ error: UpstreamError, afterHead: Bool)
    /// The streamed request body's queue drained after ``UpstreamTransfer/sendBodyPart(_:)``
    /// returned false: read the client again. Default: nothing.
    func upstreamWantsMoreBody()
    /// The events of one engine iteration were delivered and the transfer goes on: what was
    /// held for the next event may go out now (a head whose body has not started). Default: nothing.
    func upstreamDidDeliverEvents()
}

extension UpstreamResponseDelegate {
    public func upstreamWantsMoreBody() {}
    public func upstreamDidDeliverEvents() {}
}
