import NIOCore
import NIOHTTP1
import ScopeGateCore
import ScopeGateObservability
import ScopeGateUpstream

/// One request on its way through the gateway: its head, its decision, its forward and
/// what the access line records. Its progress is the ``ExchangeStateMachine``'s, not kept here.
final class Exchange {
    let head: HTTPRequestHead
    /// The configuration this request is decided and forwarded under: the one current when
    /// its head arrived.
    let generation: ConfigGeneration
    /// When the head arrived (monotonic).
    let startedAt = NIODeadline.now()
    /// When the attempt under way was handed to the engine (a retry's, after a failed one);
    /// `nil` while not forwarded.
    var upstreamStartedAt: NIODeadline?
    /// When the backend's response head arrived.
    var upstreamHeadAt: NIODeadline?
    /// The backend's status, once its head arrived.
    var responseStatus: Int?
    /// Response body bytes relayed to the client.
    var responseBodyBytes = 0
    /// The end was recorded (metrics, access line): ``GatewayHTTPHandler/finish(_:status:cut:)``.
    var finished = false
    /// Counted in `requests_in_flight` until it ends (or is dropped unended).
    private var inFlight: GatewayMetrics?
    /// How the body is delimited, from ``RequestHeadCheck`` (`.none` until the head passed it).
    var framing: RequestBodyFraming = .none
    /// Whether the request has a body: a `Content-Length` above zero or `Transfer-Encoding: chunked` (RFC 9112 §6.3).
    var expectsBody: Bool { framing != .none }
    /// The declared `Content-Length`, when there is one (and it is above zero).
    var declaredLength: Int? {
        if case .length(let length) = framing { return length }
        return nil
    }
    var allowance: Allowance?
    /// The request's forward to its backend, from the allowance on: it takes the instance,
    /// repeats a failed attempt where the upstream pool's rule allows, and reports passive health.
    var forward: UpstreamForward?
    /// Request-body bytes received from the client so far.
    var receivedBodyBytes = 0
    /// The request ID: the client's when valid, else generated; forwarded, echoed and logged.
    var requestID = ""

    init(head: HTTPRequestHead, generation: ConfigGeneration) {
        self.head = head
        self.generation = generation
    }

    /// Whether the connection closes after this exchange, whatever its response: the client
    /// asked for it, spoke HTTP/1.0 without keep-alive, or sent `CONNECT` or `Upgrade` (neither
    /// is supported; NIO's decoder stops parsing after them, so the connection cannot carry
    /// another request).
    var closeRequested: Bool {
        !head.isKeepAlive || head.method == .CONNECT || head.headers.contains(name: "Upgrade")
    }

    /// Whether the client waits for `100 Continue` before its body: HTTP/1.1 with
    /// `Expect: 100-continue` (RFC 9110 §10.1.1; an HTTP/1.0 client gets none).
    var expectsContinue: Bool {
        head.version == .http1_1 && head.headers["Expect"].contains(where: { $0.lowercased() == "100-continue" })
    }

    deinit {
        endInFlight()
    }

    /// Counts the exchange in `requests_in_flight` until ``endInFlight()``.
    func countInFlight(_ metrics: GatewayMetrics) {
        metrics.requestStarted()
        inFlight = metrics
    }

    /// Leaves `requests_in_flight` (idempotent).
    func endInFlight() {
        inFlight?.requestEnded()
        inFlight = nil
    }
}
