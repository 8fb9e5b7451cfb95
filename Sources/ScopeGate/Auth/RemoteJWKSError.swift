/// Why one fetch cycle of a ``RemoteJWKSSource`` failed. The previous key set is kept.
public enum RemoteJWKSError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The fetcher got no response from `url`; `detail` is its error text.
    case transport(url: String, detail: String)
    /// `url` answered with a status other than 200.
    case httpStatus(url: String, status: Int)
    /// The body from `url` exceeds `limit` bytes.
    case bodyTooLarge(url: String, limit: Int)
    /// The document at `url` is not a usable JWKS (RFC 7517 §5): not JSON, no `keys`
    /// array, or no key the gateway can use.
    case notJWKS(url: String, reason: KeySetLoadError)
    /// The OpenID Provider configuration at `url` is not a JSON object, or lacks a string
    /// member `name` (`issuer`, `jwks_uri`) (OpenID Connect Discovery 1.0 §3).
    case discoveryInvalid(url: String, reason: String)
    /// The configuration's `issuer` is not exactly the configured issuer
    /// (OpenID Connect Discovery 1.0 §4.3: they MUST be identical).
    case discoveryIssuerMismatch(expected: String, actual: String)
    /// The configuration's `jwks_uri` is neither `https` nor `http` to a loopback host.
    case jwksURIRejected(String)

    /// A stable snake_case code for logs and metrics.
    public var code: String {
        switch self {
        case .transport: return "jwks_transport"
        case .httpStatus: return "jwks_http_status"
        case .bodyTooLarge: return "jwks_too_large"
        case .notJWKS: return "jwks_invalid"
        case .discoveryInvalid: return "discovery_invalid"
        case .discoveryIssuerMismatch: return "discovery_issuer_mismatch"
        case .jwksURIRejected: return "discovery_jwks_uri_rejected"
        }
    }

    public var description: String {
        switch self {
        case .transport(let url, let detail): return "GET \(url) failed: \(detail)"
        case .httpStatus(let url, let status): return "GET \(url) answered HTTP \(status), expected 200"
        case .bodyTooLarge(let url, let limit): return "GET \(url): response body exceeds \(limit) bytes"
        case .notJWKS(let url, let reason): return "\(url): \(reason)"
        case .discoveryInvalid(let url, let reason): return "OpenID configuration at \(url): \(reason)"
        case .discoveryIssuerMismatch(let expected, let actual):
            return "OpenID configuration names issuer \(TokenRejection.quoted(actual)), expected \(TokenRejection.quoted(expected))"
        case .jwksURIRejected(let uri):
            return "OpenID configuration jwks_uri \(TokenRejection.quoted(uri)) is not https (http is allowed only for loopback hosts)"
        }
    }
}
