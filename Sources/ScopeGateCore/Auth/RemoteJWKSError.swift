/// Why one fetch cycle of a ``RemoteJWKSSource`` failed. The previous key set is kept.
public enum RemoteJWKSError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The fetcher got no response from `url`; `detail` is its error text.
    case transport(url: String, detail: String)
    /// `url` answered with a status other than 200.
    case httpStatus(url: String, status: Int)
    /// The body from `url` exceeds `limit` bytes.
    case bodyTooLarge(url: String, limit: Int)
    /// The document at `url` is not a JWKS (RFC 7517 §5): not a JSON object, or no `keys`
    /// array. (A JWKS whose keys are all unusable is not an error: it loads as an empty set.)
    case notJWKS(url: String, reason: KeySetLoadError)
    /// The metadata document at `url` (OpenID Provider configuration or RFC 8414 metadata)
    /// is not a JSON object, or lacks a string `issuer` or `jwks_uri` (OpenID Connect
    /// Discovery 1.0 §3, RFC 8414 §2).
    case discoveryInvalid(url: String, reason: String)
    /// The `issuer` of the metadata at `url` is not exactly the configured issuer (OpenID
    /// Connect Discovery 1.0 §4.3, RFC 8414 §3.3: they MUST be identical). Never followed
    /// by the other metadata document: fail closed.
    case discoveryIssuerMismatch(url: String, expected: String, actual: String)
    /// The `jwks_uri` (`uri`) of the metadata at `url` is neither `https` nor `http` to a
    /// loopback host.
    case jwksURIRejected(url: String, uri: String)
    /// Neither metadata document gave a `jwks_uri`: `tried` holds each attempt's error in
    /// the order tried (the OpenID Provider configuration, absent or unusable, then the
    /// RFC 8414 metadata), each naming its URL.
    indirect case discoveryFailed(tried: [RemoteJWKSError])

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
        case .discoveryFailed: return "discovery_failed"
        }
    }

    public var description: String {
        switch self {
        case .transport(let url, let detail): return "GET \(url) failed: \(detail)"
        case .httpStatus(let url, let status): return "GET \(url) answered HTTP \(status), expected 200"
        case .bodyTooLarge(let url, let limit): return "GET \(url): response body exceeds \(limit) bytes"
        case .notJWKS(let url, let reason): return "\(url): \(reason)"
        case .discoveryInvalid(let url, let reason): return "metadata at \(url): \(reason)"
        case .discoveryIssuerMismatch(let url, let expected, let actual):
            return "metadata at \(url) names issuer \(TokenRejection.quoted(actual)), expected \(TokenRejection.quoted(expected))"
        case .jwksURIRejected(let url, let uri):
            return "metadata at \(url): jwks_uri \(TokenRejection.quoted(uri)) is not https (http is allowed only for loopback hosts)"
        case .discoveryFailed(let tried):
            return "no usable issuer metadata at any of \(tried.count) URLs tried: " + tried.map(\.description).joined(separator: "; then ")
        }
    }
}
