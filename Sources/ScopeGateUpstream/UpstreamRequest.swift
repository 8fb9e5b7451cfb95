import ScopeGateCore
import NIOCore

/// One request to forward to a backend, already authorised and filtered by the caller.
///
/// The engine sends ``method``, ``url`` and ``headers`` exactly; it adds only what HTTP/1.1
/// framing needs (`Host` from the URL, `Content-Length` or `Transfer-Encoding: chunked` when
/// there is a ``body``) and never `Accept`, `Content-Type`, `Expect` or `Accept-Encoding` of its own.
public struct UpstreamRequest: Sendable {
    /// Whether `name` (any letter case) is a header the engine sets itself from ``url`` and
    /// ``body``: `Host` (RFC 9112 §3.2), `Content-Length` (§6.2), `Transfer-Encoding` (§6.1)
    /// and `Expect` (RFC 9110 §10.1.1). A caller's is never sent, so the framing the backend
    /// reads is always the engine's. The one copy of the rule: the engine applies it to every
    /// request it sends, and ``UpstreamHeaders`` to the client's headers it forwards.
    public static func isFramingHeader(_ name: String) -> Bool {
        ASCII.equalsIgnoringCase(name, "host") || ASCII.equalsIgnoringCase(name, "content-length")
            || ASCII.equalsIgnoringCase(name, "transfer-encoding") || ASCII.equalsIgnoringCase(name, "expect")
    }

    /// The method token, sent as-is (e.g. `"GET"`, `"PATCH"`). `HEAD` is sent as a bodiless HEAD.
    public var method: String
    /// Absolute URL, e.g. `http://127.0.0.1:9101/calendar/x?y=1`. Only `http` and `https` are allowed;
    /// the path is sent as given (no dot-segment squashing), so it must already be normalised.
    public var url: String
    /// End-to-end headers to send, in order. The caller has removed hop-by-hop headers and `Host`.
    /// `Host`, `Content-Length`, `Transfer-Encoding` and `Expect` are ignored here
    /// (``isFramingHeader(_:)``): the engine frames the request itself.
    /// A header with an empty value is sent with an empty value.
    public var headers: [(name: String, value: String)]
    /// `nil`: the client sent no body, so none is sent. See ``UpstreamRequestBody``.
    public var body: UpstreamRequestBody?
    /// TCP (and TLS) connect timeout, in milliseconds. Default 2000.
    public var connectTimeoutMilliseconds: Int
    /// Whole-exchange timeout in milliseconds, from hand-over to the last body byte, not
    /// counting the time the gateway held the transfer paused for the client (a slow reader or
    /// a slow request body: that is the client's time, not the backend's); 0 = none. Default 30000.
    public var timeoutMilliseconds: Int
    /// Longest wait for the response head, in milliseconds, counted from the moment the whole
    /// request (body included) was handed to the backend; 0 = none. Expiry fails the transfer
    /// with ``UpstreamError/timeout(_:)`` before any head. Default 30000.
    public var responseHeaderTimeoutMilliseconds: Int
    /// Longest silence, in milliseconds, while the backend should be sending response bytes or
    /// accepting request-body bytes; time the gateway itself holds the transfer paused (a slow
    /// client) does not count. 0 = none. Default 60000.
    public var idleTimeoutMilliseconds: Int
    /// TLS settings for an `https` URL; `nil`: the system CA store, no client certificate.
    /// Certificate and host-name verification are always on.
    public var tls: UpstreamTLS?
    /// Speak HTTP/2 to the backend: negotiated by ALPN for `https` (falling back to HTTP/1.1),
    /// with prior knowledge (h2c) for `http`. Default `false`: HTTP/1.1.
    public var http2: Bool
    /// A `Host` to send instead of the one derived from `url` (a route's `preserve_host`);
    /// `nil`: the URL's authority.
    public var hostHeader: String?

    public init(
        method: String,
        url: String,
        headers: [(name: String, value: String)] = [],
        body: UpstreamRequestBody? = nil,
        connectTimeoutMilliseconds: Int = 2000,
        timeoutMilliseconds: Int = 30000,
        responseHeaderTimeoutMilliseconds: Int = 30000,
        idleTimeoutMilliseconds: Int = 60000,
        tls: UpstreamTLS? = nil,
        http2: Bool = false,
        hostHeader: String? = nil
    ) {
        self.http2 = http2
        self.hostHeader = hostHeader
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.connectTimeoutMilliseconds = connectTimeoutMilliseconds
        self.timeoutMilliseconds = timeoutMilliseconds
        self.responseHeaderTimeoutMilliseconds = responseHeaderTimeoutMilliseconds
        self.idleTimeoutMilliseconds = idleTimeoutMilliseconds
        self.tls = tls
    }
}

/// TLS options of one upstream request (see ``BackendTLSConfig``).
public struct UpstreamTLS: Sendable, Equatable {
    /// PEM CA bundle to verify the backend's certificate with (`CURLOPT_CAINFO`), instead of the system store.
    public var caFile: String?
    /// PEM client certificate (`CURLOPT_SSLCERT`) and its key (`CURLOPT_SSLKEY`), for mutual TLS.
    public var clientCertificate: String?
    public var clientKey: String?
    /// `host:port` to connect to instead of the URL's authority (`CURLOPT_CONNECT_TO`), when
    /// the URL carries the name to present in SNI and verify the certificate against.
    public var connectTo: String?

    public init(caFile: String? = nil, clientCertificate: String? = nil, clientKey: String? = nil, connectTo: String? = nil) {
        self.caFile = caFile
        self.clientCertificate = clientCertificate
        self.clientKey = clientKey
        self.connectTo = connectTo
    }
}

/// How a request body reaches the engine.
public enum UpstreamRequestBody: Sendable {
    /// The whole body, known up front; sent with `Content-Length` equal to its readable bytes.
    /// It can be re-sent if a reused connection turns out dead.
    case bytes(ByteBuffer)
    /// Supplied while the transfer runs, through ``UpstreamTransfer/sendBodyPart(_:)`` and
    /// ``UpstreamTransfer/finishBody()``. With a `length`, sent with `Content-Length: length`
    /// (the caller must supply exactly that many bytes); without, with chunked transfer coding
    /// (RFC 9112 §7.1).
    case stream(length: Int?)
}
