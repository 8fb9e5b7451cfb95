/// `forwarding`: the headers the gateway adds to every forwarded request.
///
/// Every header named here is first removed from the client's request (by name, case-
/// insensitively, and in its `_` spelling), after hop-by-hop removal, so a client can
/// neither forge nor delete them.
public struct ForwardingConfig: Sendable, Equatable {
    /// `forwarding.trusted_proxies`: CIDR blocks (`10.0.0.0/8`, `::1/128`) of proxies in
    /// front of the gateway. Only when the connection comes from one of them are the
    /// incoming `X-Forwarded-For`, `X-Forwarded-Proto`, `X-Forwarded-Host` and `Forwarded`
    /// values kept (and extended); otherwise they are replaced. Default `[]`.
    public var trustedProxies: [String]
    /// `forwarding.forwarded_header`: also send RFC 7239 `Forwarded`. Default `false`.
    public var forwardedHeader: Bool
    /// `forwarding.request_id_header`: the request ID header: kept when the client's value is
    /// 1-128 characters of `A-Z a-z 0-9 - _ . :`, generated otherwise; sent to the backend,
    /// echoed to the client and written in every log line. Default `"X-Request-Id"`.
    public var requestIDHeader: String
    /// `forwarding.claim_headers`: claim to header for a verified token: `sub`, `client_id`,
    /// `iss`, `scope` (the granted scopes, space-separated). A token whose `sub` or client
    /// claim holds a control character is refused by the verifier (401 `invalid_claim`),
    /// whatever this map names, so `explain` and `serve` decide alike. The headers are built by
    /// the decision (``ClaimHeaderMapping``, ``Allowance/claimHeaders``), not when forwarding. Default
    /// `{"sub": "X-Auth-Subject", "client_id": "X-Auth-Client-Id", "scope": "X-Auth-Scopes"}`.
    public var claimHeaders: [String: String]

    /// The claims `claim_headers` may name.
    public static let propagatableClaims: Set<String> = ["sub", "client_id", "iss", "scope"]

    public init(
        trustedProxies: [String] = [],
        forwardedHeader: Bool = false,
        requestIDHeader: String = "X-Request-Id",
        claimHeaders: [String: String] = ["sub": "X-Auth-Subject", "client_id": "X-Auth-Client-Id", "scope": "X-Auth-Scopes"]
    ) {
        self.trustedProxies = trustedProxies
        self.forwardedHeader = forwardedHeader
        self.requestIDHeader = requestIDHeader
        self.claimHeaders = claimHeaders
    }
}
