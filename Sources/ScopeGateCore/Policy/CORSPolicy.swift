/// The CORS answers of one route, or of the API for requests no route matched (WHATWG Fetch
/// §3.2, the CORS protocol).
///
/// - A **preflight** (`OPTIONS` with `Origin` and `Access-Control-Request-Method`) is allowed
///   when the origin matches `allowed_origins`, the method is one the route allows for CORS and
///   every name in `Access-Control-Request-Headers` is in `allowed_headers`; it is answered
///   with 204 and the `Access-Control-Allow-*` headers, without a token (a browser never sends
///   one on a preflight). Anything else is refused without them, so the browser blocks the call.
/// - An **actual request** from an allowed origin gets `Access-Control-Allow-Origin` (the
///   origin itself), `Access-Control-Expose-Headers` and, with `allow_credentials`,
///   `Access-Control-Allow-Credentials: true`. Every response names `Vary: Origin`, since
///   what it carries depends on `Origin` (Fetch §3.2.5, caching).
public struct CORSPolicy: Sendable, Equatable {
    public let config: CORSConfig
    /// `allowed_headers` in lower case.
    private let allowedHeaders: Set<String>
    private let allowHeadersValue: String
    private let exposeHeadersValue: String

    /// - Parameter requestIDHeader: `forwarding.request_id_header`, allowed and exposed by default.
    public init(_ config: CORSConfig, requestIDHeader: String) {
        self.config = config
        let allowed = config.allowedHeaders ?? ["Authorization", "Content-Type", requestIDHeader]
        self.allowedHeaders = Set(allowed.map { $0.lowercased() })
        self.allowHeadersValue = allowed.joined(separator: ", ")
        self.exposeHeadersValue = (config.exposedHeaders ?? ["WWW-Authenticate", requestIDHeader]).joined(separator: ", ")
    }

    /// Whether `origin` (an `Origin` header value) may call.
    public func allows(origin: String) -> Bool {
        config.allowedOrigins.contains { $0.matches(origin) }
    }

    /// The CORS headers of an actual response to a request with `origin` (`nil`: none sent).
    public func responseHeaders(origin: String?) -> [ResponseHeader] {
        guard let origin, allows(origin: origin) else { return [ResponseHeader("Vary", "Origin")] }
        var headers = [ResponseHeader("Access-Control-Allow-Origin", origin), ResponseHeader("Vary", "Origin")]
        if config.allowCredentials { headers.append(ResponseHeader("Access-Control-Allow-Credentials", "true")) }
        if !exposeHeadersValue.isEmpty { headers.append(ResponseHeader("Access-Control-Expose-Headers", exposeHeadersValue)) }
        return headers
    }

    /// A preflight's answer on `route`: the headers of a 204, or why it is refused.
    /// - Parameters:
    ///   - method: `Access-Control-Request-Method`.
    ///   - requestHeaders: every `Access-Control-Request-Headers` value (comma-separated names).
    public func preflight(origin: String, method: String, requestHeaders: [String], route: Route)
        -> Result<[ResponseHeader], PreflightRefusal>
    {
        guard allows(origin: origin) else { return .failure(.init("origin \(Self.printable(origin)) is not allowed")) }
        guard !method.isEmpty, method.utf8.allSatisfy(ASCII.isTokenByte) else {
            return .failure(.init("Access-Control-Request-Method \(Self.printable(method)) is not one method"))
        }
        let methodAllowed: Bool
        let allowMethodsValue: String
        if let methods = config.allowedMethods {
            methodAllowed = methods.contains(method)
            allowMethodsValue = methods.joined(separator: ", ")
        } else {
            methodAllowed = route.rule(for: method) != nil
            allowMethodsValue = route.methods["*"] != nil ? method : route.allowedMethods.joined(separator: ", ")
        }
        guard methodAllowed else {
            return .failure(.init("method \(Self.printable(method)) is not allowed for CORS on \(route.prefix)"))
        }
        var names: [String] = []
        for value in requestHeaders {
            for piece in value.split(separator: ",") {
                let name = piece.trimmingCharacters(in: .init(charactersIn: " \t")).lowercased()
                guard !name.isEmpty else { continue }
                guard allowedHeaders.contains(name) else {
                    return .failure(.init("request header \(Self.printable(name)) is not allowed for CORS"))
                }
                names.append(name)
            }
        }
        var headers = [
            ResponseHeader("Access-Control-Allow-Origin", origin),
            ResponseHeader("Access-Control-Allow-Methods", allowMethodsValue),
        ]
        if !names.isEmpty || !allowHeadersValue.isEmpty {
            headers.append(ResponseHeader("Access-Control-Allow-Headers", allowHeadersValue))
        }
        if config.allowCredentials { headers.append(ResponseHeader("Access-Control-Allow-Credentials", "true")) }
        headers.append(ResponseHeader("Access-Control-Max-Age", String(config.maxAgeSeconds)))
        headers.append(ResponseHeader("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"))
        return .success(headers)
    }

    /// Short, safe text of a client-sent value for a denial description.
    static func printable(_ text: String) -> String {
        TokenRejection.quoted(text)
    }
}

/// Why a CORS preflight is refused (the denial's description).
public struct PreflightRefusal: Error, Sendable, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// How a route handles CORS, resolved from `cors` and `routes[i].cors`.
public enum RouteCORSPolicy: Sendable, Equatable {
    /// No CORS configured for the route (and none for the API): preflights are ordinary
    /// `OPTIONS` requests; the backend's `Access-Control-*` headers pass unchanged.
    case none
    /// `routes[i].cors: false`: no CORS on this route: preflights are ordinary `OPTIONS`
    /// requests, and the backend's `Access-Control-*` headers are removed, so no browser page
    /// on another origin can read its answers.
    case off
    /// The gateway answers preflights and sets the CORS headers (the backend's are replaced).
    case gateway(CORSPolicy)
    /// The backend answers CORS itself: nothing added, nothing removed.
    case backend
}
