/// The status and headers of a backend's final (non-1xx) response.
public struct UpstreamResponseHead: Sendable {
    /// The status code, 200...599 (1xx interim responses are never delivered).
    public var status: Int
    /// Header fields in received order, names as the backend spelled them, values trimmed of
    /// surrounding whitespace. Hop-by-hop fields (``HopByHopHeaders``) are already removed;
    /// `Content-Length` is kept only when it is the body's framing: one decimal number, no
    /// `Transfer-Encoding` beside it (RFC 9112 §6.3: a recipient removes it then).
    public var headers: [(name: String, value: String)]
    /// Why the response's framing cannot be forwarded (several different or malformed
    /// `Content-Length` values without `Transfer-Encoding`, RFC 9112 §6.3 ¶5: a proxy answers
    /// 502); `nil` when it can.
    public var framingError: String?

    public init(status: Int, headers: [(name: String, value: String)], framingError: String? = nil) {
        self.status = status
        self.headers = headers
        self.framingError = framingError
    }
}
