/// When a failed attempt of an ``UpstreamForward`` is repeated on another instance of its
/// backend. This is the only place the rule is written down; ``UpstreamForward`` applies it
/// and then needs one more thing, an instance the request has not tried yet
/// (``BackendPool/acquire(excluding:)``).
///
/// An attempt is repeated only when repeating it cannot do anything twice:
/// - it failed to connect (``UpstreamError/connectFailed(_:)``: refused, unreachable,
///   unresolvable), so nothing was sent;
/// - no response head arrived;
/// - the method is idempotent (RFC 9110 §9.2.2) and the request has no body, so nothing the
///   backend might have acted on is sent twice;
/// - a retry is left (`backends.<name>.retries`, counted over the whole request).
enum UpstreamRetryRule {
    /// Whether an attempt of a request with `method` (and a body if `hasBody`) that failed
    /// with `error` (`afterHead`: after its response head arrived) may be repeated, with
    /// `retriesLeft` retries left.
    static func permitsRetry(method: String, hasBody: Bool, error: UpstreamError, afterHead: Bool, retriesLeft: Int) -> Bool {
        guard case .connectFailed = error, !afterHead, retriesLeft > 0, !hasBody else { return false }
        return isIdempotent(method: method)
    }

    /// The methods RFC 9110 §9.2.2 defines as idempotent: the intended effect of several
    /// identical requests is that of one, so a client (or an intermediary acting for it) may
    /// repeat one whose attempt failed. POST, PATCH, CONNECT and any extension method are not
    /// (an extension method is not known to be idempotent). Method tokens are case-sensitive
    /// (RFC 9110 §9.1): `get` is not `GET`.
    static func isIdempotent(method: String) -> Bool {
        switch method {
        case "GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE": return true
        default: return false
        }
    }
}
