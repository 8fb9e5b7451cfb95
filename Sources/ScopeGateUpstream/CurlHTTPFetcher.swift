import NIOConcurrencyHelpers
import NIOCore
import ScopeGateCore

/// The gateway's ``JWKSFetcher``: a GET through the ``CurlEngine``, with the body collected
/// on `eventLoop` up to a size bound.
///
/// TLS certificates and host names are verified (libcurl's defaults are never changed);
/// redirects are not followed, so a 3xx is returned as-is. The response is collected by a
/// delegate confined to `eventLoop`; nothing here blocks a thread.
public struct CurlHTTPFetcher: JWKSFetcher {
    private let engine: CurlEngine
    private let eventLoop: any EventLoop
    private let connectTimeoutMilliseconds: Int
    private let timeoutMilliseconds: Int
    private let maximumBodyBytes: Int

    /// - Parameters:
    ///   - eventLoop: where the response is collected; any loop of the server's group will do.
    ///   - connectTimeoutMilliseconds: TCP + TLS connect timeout, in milliseconds. Default 2000.
    ///   - timeoutMilliseconds: whole-exchange timeout, in milliseconds. Default 5000.
    ///   - maximumBodyBytes: a longer body (or `Content-Length`) cuts the transfer off with
    ///     ``HTTPFetchError/bodyTooLarge(limit:)``. Default 1 MiB.
    public init(
        engine: CurlEngine, eventLoop: any EventLoop, connectTimeoutMilliseconds: Int = 2000,
        timeoutMilliseconds: Int = 5000, maximumBodyBytes: Int = 1 << 20
    ) {
        self.engine = engine
        self.eventLoop = eventLoop
        self.connectTimeoutMilliseconds = connectTimeoutMilliseconds
        self.timeoutMilliseconds = timeoutMilliseconds
        self.maximumBodyBytes = maximumBodyBytes
    }

    /// GETs `url` with `Accept: application/json`.
    ///
    /// - Throws: ``HTTPFetchError`` `transport` (connect, TLS, reset, timeout: libcurl's
    ///   text), `bodyTooLarge`, or `cancelled` when the calling task is cancelled.
    public func fetch(url: String) async throws -> HTTPFetchResult {
        let request = UpstreamRequest(
            method: "GET", url: url, headers: [("Accept", "application/json")],
            connectTimeoutMilliseconds: connectTimeoutMilliseconds, timeoutMilliseconds: timeoutMilliseconds)
        let engine = self.engine
        let eventLoop = self.eventLoop
        let limit = maximumBodyBytes
        let handle = NIOLockedValueBox(FetchHandle())
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<HTTPFetchResult, any Error>) in
                eventLoop.execute {
                    let delegate = FetchDelegate(limit: limit, continuation: continuation)
                    let cancelledEarly = handle.withLockedValue { handle in
                        handle.delegate = NIOLoopBound(delegate, eventLoop: eventLoop)
                        return handle.cancelled
                    }
                    if cancelledEarly {
                        delegate.abort(.cancelled)
                    } else {
                        // Deliveries arrive through `eventLoop.execute`, so after this statement.
                        delegate.transfer = engine.execute(request, on: eventLoop, delegate: delegate)
                    }
                }
            }
        } onCancel: {
            eventLoop.execute {
                let delegate = handle.withLockedValue { handle in
                    handle.cancelled = true
                    return handle.delegate
                }
                delegate?.value.abort(.cancelled)
            }
        }
    }
}

/// Links the task-cancellation handler to the delegate, which exists only on the event loop.
private struct FetchHandle: Sendable {
    var delegate: NIOLoopBound<FetchDelegate>?
    var cancelled = false
}

/// Collects one response. Confined to the event loop: every method runs there.
private final class FetchDelegate: UpstreamResponseDelegate {
    private let limit: Int
    private var continuation: CheckedContinuation<HTTPFetchResult, any Error>?
    private var status = 0
    private var cacheControl: String?
    private var body: [UInt8] = []
    var transfer: UpstreamTransfer?

    init(limit: Int, continuation: CheckedContinuation<HTTPFetchResult, any Error>) {
        self.limit = limit
        self.continuation = continuation
    }

    func upstreamDidReceiveHead(_ head: UpstreamResponseHead) {
        status = head.status
        let values = head.headers.filter { $0.name.lowercased() == "cache-control" }.map(\.value)
        cacheControl = values.isEmpty ? nil : values.joined(separator: ", ")  // RFC 9110 §5.3
        let announced = head.headers.first { $0.name.lowercased() == "content-length" }.flatMap { Int($0.value) }
        if let announced, announced > limit { abort(.bodyTooLarge(limit: limit)) }
    }

    func upstreamDidReceiveBodyPart(_ part: ByteBuffer) {
        guard part.readableBytes <= limit - body.count else { return abort(.bodyTooLarge(limit: limit)) }
        body.append(contentsOf: part.readableBytesView)
    }

    func upstreamDidFinish() {
        transfer = nil
        continuation?.resume(returning: HTTPFetchResult(status: status, body: body, cacheControl: cacheControl))
        continuation = nil
    }

    func upstreamDidFail(_ error: UpstreamError, afterHead: Bool) {
        transfer = nil
        continuation?.resume(throwing: HTTPFetchError.transport("\(error.reason.rawValue): \(error.detail)"))
        continuation = nil
    }

    /// Cancels the transfer (on the event loop, so no further call arrives) and throws `error`.
    func abort(_ error: HTTPFetchError) {
        transfer?.cancel()
        transfer = nil
        continuation?.resume(throwing: error)
        continuation = nil
    }
}
