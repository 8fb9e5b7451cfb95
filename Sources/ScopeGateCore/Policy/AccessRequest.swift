/// The parts of an HTTP request the access decision reads, independent of any server library.
public struct AccessRequest: Sendable {
    /// Method token as received, e.g. `GET` (case-sensitive, RFC 9110 §9.1).
    public var method: String
    /// The raw request target from the request line.
    public var target: String
    /// Every value of the token header (`api.token.header`, by default `Authorization`),
    /// in order received.
    public var tokenHeaderValues: [String]
    /// `Origin` (WHATWG Fetch §3.1), when the request has exactly one; a browser's cross-origin call.
    public var origin: String?
    /// `Access-Control-Request-Method` of a CORS preflight, when present.
    public var preflightMethod: String?
    /// Every `Access-Control-Request-Headers` value of a CORS preflight.
    public var preflightHeaders: [String]

    public init(method: String, target: String, tokenHeaderValues: [String], origin: String? = nil,
                preflightMethod: String? = nil, preflightHeaders: [String] = []) {
        self.method = method
        self.target = target
        self.tokenHeaderValues = tokenHeaderValues
        self.origin = origin
        self.preflightMethod = preflightMethod
        self.preflightHeaders = preflightHeaders
    }

    /// Whether this is a CORS preflight: `OPTIONS` with `Origin` and `Access-Control-Request-Method`.
    public var isPreflight: Bool { method == "OPTIONS" && origin != nil && preflightMethod != nil }
}
