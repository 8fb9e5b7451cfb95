/// One HTTP response as a ``JWKSFetcher`` hands it to a remote key source.
public struct HTTPFetchResult: Sendable, Equatable {
    /// The final response's status code (redirects are not followed, so a 3xx arrives here).
    public var status: Int
    /// The response body, at most the fetcher's size bound (in bytes).
    public var body: [UInt8]
    /// The `Cache-Control` field value (RFC 9111 §5.2); several field lines joined with `", "`
    /// (RFC 9110 §5.3); `nil` when the response had none.
    public var cacheControl: String?

    public init(status: Int, body: [UInt8], cacheControl: String? = nil) {
        self.status = status
        self.body = body
        self.cacheControl = cacheControl
    }
}

/// Why a ``JWKSFetcher`` got no HTTP response at all.
public enum HTTPFetchError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No complete response: connect, TLS, reset or timeout. The text is the transport's detail.
    case transport(String)
    /// The body (or its announced `Content-Length`) exceeds `limit` bytes; the transfer was cut off.
    case bodyTooLarge(limit: Int)
    /// The calling task was cancelled before the response arrived.
    case cancelled

    public var description: String {
        switch self {
        case .transport(let detail): return "transport failure: \(detail)"
        case .bodyTooLarge(let limit): return "response body exceeds \(limit) bytes"
        case .cancelled: return "fetch cancelled"
        }
    }
}

/// Fetches a document (a JWKS, an OpenID Provider configuration) with an HTTP GET.
///
/// Kept as a protocol here so Auth stays free of NIO and libcurl; the gateway's
/// implementation is `CurlHTTPFetcher` (Upstream), tests may use an in-memory one.
/// Implementations must not block the caller's thread and must bound the body size.
public protocol JWKSFetcher: Sendable {
    /// GETs `url` (absolute `http`/`https`) with `Accept: application/json`.
    ///
    /// - Returns: the response, whatever its status.
    /// - Throws: ``HTTPFetchError`` (or an implementation's own error) when no complete
    ///   response arrived: transport failure, timeout, an over-long body, cancellation.
    func fetch(url: String) async throws -> HTTPFetchResult
}
