import Foundation
import NIOCore
import ScopeGateObservability

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
        exchange.generation.metrics(route: exchange.allowance?.route.prefix ?? routeOverride)?
            .recordRequest(method: exchange.head.method.rawValue, status: status, seconds: seconds)
        // The line is built only when it is written; fields are read in place (no copy of the allowance).
        guard gateway.eventLog.writesAccess, exchange.allowance != nil, let upstreamStartedAt = exchange.upstreamStartedAt else {
            return
        }
        let upstream = exchange.upstreamHeadAt.map { Double(($0 - upstreamStartedAt).nanoseconds) / 1e6 }
        gateway.eventLog.writeAccess(AccessEvent(
            time: gateway.clock(), requestID: exchange.requestID, client: clientAddress, method: exchange.head.method.rawValue,
            path: exchange.allowance!.target.path, route: exchange.allowance!.route.prefix,
            backend: exchange.allowance!.route.backend.name, status: status, cut: cut, duration: seconds * 1000,
            upstream: upstream, bytesIn: exchange.receivedBodyBytes, bytesOut: exchange.responseBodyBytes,
            subject: exchange.allowance!.token?.subject, clientID: exchange.allowance!.token?.clientID,
            wouldDeny: exchange.allowance!.wouldDeny?.reason
        ).bytes)
    }

    /// The drain reached this connection (see ``DrainEvent``).
    func receiveDrain(_ event: DrainEvent) {
        switch event {
        case .draining, .stopAccepting:
            machine.drain()
        case .cut(let why):
            if let exchange = machine.exchange {
                gateway.eventLog.write(LifecycleEvent.cut(
                    requestID: exchange.requestID, method: exchange.head.method.rawValue, path: exchange.allowance?.target.path,
                    route: exchange.allowance?.route.prefix, time: gateway.clock(), why: why))
                exchange.forward?.cancel()
                finish(exchange, status: exchange.responseStatus ?? 503, cut: true)
            }
            perform(machine.cut())
        }
    }
}
