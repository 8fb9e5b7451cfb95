import Foundation
import ScopeGateCore

/// One forwarded request as an access-log line: `{"time":..., "event":"access", ...}`,
/// written to `log.access` by the same log thread as denials.
///
/// Fields: `time` (RFC 3339 UTC, when the response ended), `request_id`, `client` (peer
/// address), `method`, `path` (normalised, without the query), `route` (the configured
/// prefix), `backend`, `status` (what the client got; for a response cut after its head, the
/// status it had started with, and `"cut": true`), `duration_ms` (request head to the end of
/// the response), `upstream_ms` (hand-off to the backend until its response head; absent when
/// no head came), `bytes_in` (request body bytes read), `bytes_out` (response body bytes
/// relayed), `sub` and `client_id` (from the verified token; absent on a public method),
/// `would_deny` (the reason code a rule in shadow mode would have denied the request with;
/// absent otherwise: the `would_deny` line has the rest).
/// Never a token, a query string or a header value; token-shaped runs in the path and request
/// ID are redacted (``TokenRedaction``).
public struct AccessEvent: Sendable {
    public var time: Date
    public var requestID: String
    public var client: String?
    public var method: String
    public var path: String
    public var route: String
    public var backend: String
    public var status: Int
    public var cut: Bool
    /// Milliseconds.
    public var duration: Double
    /// Milliseconds; `nil` when no response head came.
    public var upstream: Double?
    public var bytesIn: Int
    public var bytesOut: Int
    public var subject: String?
    public var clientID: String?
    /// The reason a rule in shadow mode would have denied the request with, if it would have.
    public var wouldDeny: ReasonCode?

    public init(time: Date, requestID: String, client: String?, method: String, path: String, route: String,
                backend: String, status: Int, cut: Bool = false, duration: Double, upstream: Double?, bytesIn: Int,
                bytesOut: Int, subject: String?, clientID: String?, wouldDeny: ReasonCode? = nil) {
        self.wouldDeny = wouldDeny
        self.time = time
        self.requestID = requestID
        self.client = client
        self.method = method
        self.path = path
        self.route = route
        self.backend = backend
        self.status = status
        self.cut = cut
        self.duration = duration
        self.upstream = upstream
        self.bytesIn = bytesIn
        self.bytesOut = bytesOut
        self.subject = subject
        self.clientID = clientID
    }

    /// The JSON line, ending in `\n`.
    public var line: String { String(decoding: bytes, as: UTF8.self) }

    /// ``line`` as the UTF-8 bytes the event log writes.
    public var bytes: [UInt8] {
        var json = JSONLine.event("access", at: time)
        json.add("request_id", TokenRedaction.redacting(requestID))
        json.add("client", client)
        json.add("method", String(method.prefix(32)))
        json.add("path", TokenRedaction.redacting(path))
        json.add("route", route)
        json.add("backend", backend)
        json.add("status", status)
        if cut { json.add("cut", true) }
        json.addMilliseconds("duration_ms", duration)
        if let upstream { json.addMilliseconds("upstream_ms", upstream) }
        json.add("bytes_in", bytesIn)
        json.add("bytes_out", bytesOut)
        json.add("sub", subject)
        json.add("client_id", clientID)
        if let wouldDeny { json.add("would_deny", wouldDeny.rawValue) }
        return json.finishBytes()
    }
}
