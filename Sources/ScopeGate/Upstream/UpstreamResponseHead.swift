/// The status and headers of a backend's final (non-1xx) response.
public struct UpstreamResponseHead: Sendable {
    /// The status code, 200...599 (1xx interim responses are never delivered).
    public var status: Int
    /// Header fields in received order, names as the backend spelled them, values trimmed of
    /// surrounding whitespace. Hop-by-hop fields (``HopByHopHeaders``) are already removed;
    /// `Content-Length` is kept.
    public var headers: [(name: String, value: String)]

    public init(status: Int, headers: [(name: String, value: String)]) {
        self.status = status
        self.headers = headers
    }
}
