import Foundation
import NIOCore
import NIOHTTP1
import ScopeGateCore
import ScopeGateObservability

/// Responses the gateway writes itself: the health answer, CORS preflights, the protected
/// resource metadata and denials.
///
/// An HTTP/1.0 client gets them as HTTP/1.0, like forwarded responses (RFC 9110 §2.5 allows
/// either; the two kinds answer alike): always with `Content-Length`, never chunked, and the
/// connection closes unless the client asked for keep-alive, which the answer then confirms
/// with `Connection: keep-alive` (RFC 9112 §9.3, Appendix C.2.2).
extension GatewayHTTPHandler {
    /// The response's version for a request of `version`, and its `Connection` header.
    static func ownAnswerVersion(for version: HTTPVersion, close: Bool, headers: inout HTTPHeaders) -> HTTPVersion {
        if close {
            headers.add(name: "Connection", value: "close")
        } else if version == .http1_0 {
            headers.add(name: "Connection", value: "keep-alive")
        }
        return version == .http1_0 ? .http1_0 : .http1_1
    }

    // MARK: Health

    func answerHealth(_ exchange: Exchange) {
        guard let context, let mode = beginAnswer(forceClose: false) else { return }
        let readiness = gateway.readiness
        let ready = readiness == .ready
        let body = readiness.body
        var headers = HTTPHeaders([("Content-Type", "application/json"), ("Cache-Control", "no-store"),
                                   ("Content-Length", String(body.utf8.count))])
        let version = Self.ownAnswerVersion(for: exchange.head.version, close: mode != .keepAlive, headers: &headers)
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: ready ? .ok : .serviceUnavailable, headers: headers))), promise: nil)
        if exchange.head.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
        }
        finishResponse(mode, context: context)
    }

    // MARK: CORS preflight

    /// Answers an allowed CORS preflight with 204 and its `Access-Control-*` headers.
    func answerPreflight(_ preflight: Preflight, exchange: Exchange) {
        guard let context, let mode = beginAnswer(forceClose: false) else { return }
        var headers = HTTPHeaders(preflight.headers.map { ($0.name, $0.value) })
        headers.add(name: exchange.generation.requestIDHeader, value: exchange.requestID)
        headers.add(name: "Content-Length", value: "0")
        let version = Self.ownAnswerVersion(for: exchange.head.version, close: mode != .keepAlive, headers: &headers)
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: .noContent, headers: headers))), promise: nil)
        finishResponse(mode, context: context)
        finish(exchange, status: 204, route: preflight.route.prefix)
    }

    // MARK: Protected resource metadata

    /// Answers a `GET` or `HEAD` of the RFC 9728 metadata path with 200 and the document the
    /// generation rendered (no body for `HEAD`). Counted like a preflight: in the request metrics
    /// without a route, no access line (nothing went upstream).
    func answerResourceMetadata(_ metadata: ResourceMetadata, exchange: Exchange) {
        guard let context, let mode = beginAnswer(forceClose: false) else { return }
        var headers = HTTPHeaders(metadata.headers.map { ($0.name, $0.value) })
        headers.add(name: exchange.generation.requestIDHeader, value: exchange.requestID)
        headers.add(name: "Content-Length", value: String(metadata.body.utf8.count))
        let version = Self.ownAnswerVersion(for: exchange.head.version, close: mode != .keepAlive, headers: &headers)
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: .ok, headers: headers))), promise: nil)
        if exchange.head.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: metadata.body)))), promise: nil)
        }
        finishResponse(mode, context: context)
        finish(exchange, status: 200)
    }

    // MARK: Denial

    /// Takes the machine's answer transition (it closes if `forceClose`, if the request body
    /// is not read to its end, or if the exchange or the connection must) and releases the
    /// reads it held. `nil` when the machine had nothing to answer (performed as a failure).
    func beginAnswer(forceClose: Bool) -> Machine.CloseMode? {
        let action = machine.answer(forceClose: forceClose)
        guard case .answer(let mode, let release) = action else {
            perform(action)
            return nil
        }
        perform(release)
        return mode
    }

    /// Answers `exchange` with `denial`, logs it, and ends the exchange.
    func deny(_ denial: Denial, exchange: Exchange, forceClose: Bool) {
        deny(denial, method: exchange.head.method.rawValue, rawTarget: exchange.head.uri, version: exchange.head.version,
             requestID: exchange.requestID, forceClose: forceClose, generation: exchange.generation)
        finish(exchange, status: denial.status, route: denial.route)
    }

    func deny(_ denial: Denial, method: String, rawTarget: String, version: HTTPVersion, requestID: String?, forceClose: Bool,
              generation: ConfigGeneration) {
        guard let mode = beginAnswer(forceClose: forceClose) else { return }
        logDenial(denial, method: method, rawTarget: rawTarget, requestID: requestID)
        write(DenialResponse(denial, realm: generation.realm, resourceMetadataURL: generation.resourceMetadataURL), version: version, requestID: requestID, mode: mode,
              requestIDHeader: generation.requestIDHeader)
    }

    /// Writes one denial line to the event log (the only place that does) and counts it; with
    /// `forwarded`, a shadow mode's `would_deny` line and count.
    func logDenial(_ denial: Denial, method: String, rawTarget: String, requestID: String?, forwarded: Bool = false) {
        if forwarded {
            gateway.metrics.recordWouldDeny(reason: denial.reason, route: denial.route)
        } else {
            gateway.metrics.recordDenial(reason: denial.reason, route: denial.route)
        }
        gateway.eventLog.write(DenialEvent(time: gateway.clock(), client: clientAddress, method: method,
                                           rawTarget: rawTarget, requestID: requestID, denial: denial,
                                           forwarded: forwarded).line)
    }

    func write(_ response: DenialResponse, version: HTTPVersion, requestID: String?, mode: Machine.CloseMode, requestIDHeader: String) {
        guard let context else { return }
        var headers = HTTPHeaders(response.headers.map { ($0.name, $0.value) })
        if let requestID { headers.add(name: requestIDHeader, value: requestID) }
        var body = context.channel.allocator.buffer(capacity: response.body.utf8.count)
        body.writeString(response.body)
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        let version = Self.ownAnswerVersion(for: version, close: mode != .keepAlive, headers: &headers)
        let head = HTTPResponseHead(version: version, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        finishResponse(mode, context: context)
    }
}
