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

    // MARK: CORS preflight

    /// Answers an allowed CORS preflight with 204 and its `Access-Control-*` headers.
    func answerPreflight(_ preflight: Preflight, exchange: Exchange) {
        guard let context else { return }
        let close = (exchange.expectsBody && !exchange.requestEnded) || exchange.closeAfterResponse || inputClosed || draining
        var headers = HTTPHeaders(preflight.headers.map { ($0.name, $0.value) })
        headers.add(name: exchange.generation.requestIDHeader, value: exchange.requestID)
        headers.add(name: "Content-Length", value: "0")
        if close { headers.add(name: "Connection", value: "close") }
        state = .discarding(close: close)
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .noContent, headers: headers))), promise: nil)
        finishResponse(close: close, context: context)
        finish(exchange, status: 204, route: preflight.route.prefix)
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
