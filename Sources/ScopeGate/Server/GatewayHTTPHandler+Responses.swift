import Foundation
import NIOCore
import NIOHTTP1

/// Responses the gateway writes itself: the health answer and denials.
extension GatewayHTTPHandler {
    // MARK: Health

    func answerHealth(_ exchange: Exchange) {
        guard let context else { return }
        let readiness = gateway.readiness
        let ready = readiness == .ready
        let body = readiness.body
        let close = exchange.expectsBody || exchange.closeAfterResponse || inputClosed || draining
        var headers = HTTPHeaders([("Content-Type", "application/json"), ("Cache-Control", "no-store"),
                                   ("Content-Length", String(body.utf8.count))])
        if close { headers.add(name: "Connection", value: "close") }
        state = .discarding(close: close)
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: ready ? .ok : .serviceUnavailable, headers: headers))), promise: nil)
        if exchange.head.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
        }
        finishResponse(close: close, context: context)
    }

    // MARK: Denial

    /// Answers `exchange` with `denial`, logs it, and ends the exchange.
    func deny(_ denial: Denial, exchange: Exchange, close: Bool) {
        deny(denial, method: exchange.head.method.rawValue, rawTarget: exchange.head.uri, version: exchange.head.version,
             requestID: exchange.requestID, close: close, generation: exchange.generation)
        finish(exchange, status: denial.status, route: denial.route)
    }

    func deny(_ denial: Denial, method: String, rawTarget: String, version: HTTPVersion, requestID: String?, close: Bool,
              generation: ConfigGeneration) {
        let close = close || inputClosed || draining
        if case .forwarding(let exchange) = state { releaseHeldReads(exchange) }
        logDenial(denial, method: method, rawTarget: rawTarget, requestID: requestID)
        state = .discarding(close: close)
        write(DenialResponse(denial, realm: generation.realm), version: version, requestID: requestID, close: close,
              requestIDHeader: generation.requestIDHeader)
    }

    /// Writes one denial line to the event log (the only place that does) and counts it.
    func logDenial(_ denial: Denial, method: String, rawTarget: String, requestID: String?) {
        gateway.metrics.recordDenial(reason: denial.reason, route: denial.route)
        gateway.eventLog.write(DenialEvent(time: gateway.clock(), client: clientAddress, method: method,
                                           rawTarget: rawTarget, requestID: requestID, denial: denial).line)
    }

    func write(_ response: DenialResponse, version: HTTPVersion, requestID: String?, close: Bool, requestIDHeader: String) {
        guard let context else { return }
        var headers = HTTPHeaders(response.headers.map { ($0.name, $0.value) })
        if let requestID { headers.add(name: requestIDHeader, value: requestID) }
        var body = context.channel.allocator.buffer(capacity: response.body.utf8.count)
        body.writeString(response.body)
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        if close { headers.add(name: "Connection", value: "close") }
        let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        finishResponse(close: close, context: context)
    }
}

/// The end of an exchange: metrics, the access line, the drain.
extension GatewayHTTPHandler {
    /// Records the end of `exchange` once: the request metrics and, for a request that went
    /// upstream, its access line. `status` is what the client got (or had started to get when
    /// `cut`: the connection closed mid-exchange; 503 when nothing had been sent).
    /// - Parameter route: the route prefix for the metrics when the exchange has no allowance
    ///   (a denial names the route it matched).
    func finish(_ exchange: Exchange, status: Int, cut: Bool = false, route routeOverride: String? = nil) {
        guard !exchange.finished else { return }
        exchange.finished = true
        exchange.endInFlight()
        let now = NIODeadline.now()
        let seconds = Double((now - exchange.startedAt).nanoseconds) / 1e9
        let route = exchange.allowance?.route
        gateway.metrics.recordRequest(route: route?.prefix ?? routeOverride, method: exchange.head.method.rawValue, status: status,
                                      seconds: seconds)
        guard let allowance = exchange.allowance, let upstreamStartedAt = exchange.upstreamStartedAt else { return }
        let upstream = exchange.upstreamHeadAt.map { Double(($0 - upstreamStartedAt).nanoseconds) / 1e6 }
        gateway.eventLog.writeAccess(AccessEvent(
            time: gateway.clock(), requestID: exchange.requestID, client: clientAddress, method: exchange.head.method.rawValue,
            path: allowance.target.path, route: allowance.route.prefix, backend: allowance.route.backend.name,
            status: status, cut: cut, duration: seconds * 1000, upstream: upstream, bytesIn: exchange.receivedBodyBytes,
            bytesOut: exchange.responseBodyBytes, subject: allowance.token?.subject, clientID: allowance.token?.clientID
        ).line)
    }

    /// The drain reached this connection (see ``DrainEvent``).
    func receiveDrain(_ event: DrainEvent) {
        switch event {
        case .draining, .stopAccepting:
            draining = true
            Self.current(state)?.closeAfterResponse = true
        case .cut(let why):
            if let exchange = Self.current(state) {
                gateway.eventLog.write(LifecycleEvent.cut(
                    requestID: exchange.requestID, method: exchange.head.method.rawValue, path: exchange.allowance?.target.path,
                    route: exchange.allowance?.route.prefix, time: gateway.clock(), why: why))
                exchange.transfer?.cancel()
                exchange.endAttempt(.other)
                finish(exchange, status: exchange.responseStatus ?? 503, cut: true)
            }
            state = .closing
            context?.close(promise: nil)
        }
    }
}
