import Foundation
import ScopeGateCore

/// One denial as a log line: `{"time":..., "event":"denial", ...}`; or, for a route or method
/// in shadow mode (``Enforcement/shadow``), the denial its rule would have given to a request
/// forwarded anyway: `{"time":..., "event":"would_deny", ...}` with the same fields.
///
/// Fields: `time` (RFC 3339 UTC), `event`, `request_id`, `client` (peer address), `method`, `path`
/// (normalised, or the raw path without its query when the target was invalid),
/// `route`, `backend`, `status`, `reason` (a ``ReasonCode``), `description`, `sub` and
/// `client_id` (only when the token itself was valid), `required_scopes`, `required_any_of`
/// (only when the route accepts several alternatives), `granted_scopes`.
/// The query string and every header value are left out, and a token-shaped run in the path,
/// the request ID or the description is replaced (``TokenRedaction``), so no token reaches
/// the log even when a client puts one in its path.
public struct DenialEvent: Sendable {
    public var time: Date
    public var client: String?
    public var method: String
    public var rawTarget: String
    /// The request ID (`forwarding.request_id_header`), when one was assigned.
    public var requestID: String?
    public var denial: Denial
    /// Whether the request was forwarded anyway (shadow mode): the event is `would_deny`.
    public var forwarded: Bool

    public init(time: Date, client: String?, method: String, rawTarget: String, requestID: String? = nil, denial: Denial,
                forwarded: Bool = false) {
        self.forwarded = forwarded
        self.time = time
        self.client = client
        self.method = method
        self.rawTarget = rawTarget
        self.requestID = requestID
        self.denial = denial
    }

    /// The JSON line, ending in `\n`.
    public var line: String {
        var json = JSONLine.event(forwarded ? "would_deny" : "denial", at: time)
        json.add("request_id", requestID.map(TokenRedaction.redacting))
        json.add("client", client)
        json.add("method", String(method.prefix(32)))
        json.add("path", TokenRedaction.redacting(denial.path ?? Self.pathOnly(rawTarget)))
        json.add("route", denial.route)
        json.add("backend", denial.backend)
        json.add("status", denial.status)
        json.add("reason", denial.reason.rawValue)
        json.add("description", TokenRedaction.redacting(denial.description))
        json.add("sub", denial.subject)
        json.add("client_id", denial.clientID)
        json.add("required_scopes", denial.requiredScopes)
        if let alternatives = denial.requirement?.alternatives, alternatives.count > 1 {
            json.add("required_any_of", alternatives)
        }
        json.add("granted_scopes", denial.grantedScopes)
        return json.finish()
    }

    /// What of an invalid raw target is safe to log: an origin-form path cut at `?` and `#`
    /// and to 256 bytes (a query may carry a token), else `-` (an absolute-form authority may
    /// carry credentials).
    static func pathOnly(_ raw: String) -> String {
        guard raw.hasPrefix("/") else { return "-" }
        let end = raw.firstIndex(where: { $0 == "?" || $0 == "#" }) ?? raw.endIndex
        // Redacted before the cut, so a token cut in half is still recognised.
        return String(TokenRedaction.redacting(String(raw[..<end])).prefix(256))
    }
}

/// An upstream failure as a log line: `{"time":..., "event":"upstream_failure", ...}`.
public struct UpstreamFailureEvent: Sendable {
    public var time: Date
    public var client: String?
    public var method: String
    public var path: String
    public var route: String
    public var backend: String
    public var requestID: String?
    /// The status sent to the client (502, 504), or `nil` when the connection was closed mid-response.
    public var status: Int?
    public var reason: ReasonCode
    public var description: String
    /// The backend instance (`scheme://host[:port]`) the failed attempt went to.
    public var instance: String?
    /// Whether the request was tried again on another instance after this attempt (then no
    /// status was sent for it).
    public var retried: Bool

    public init(time: Date, client: String?, method: String, path: String, route: String, backend: String,
                requestID: String? = nil, status: Int?, reason: ReasonCode, description: String,
                instance: String? = nil, retried: Bool = false) {
        self.instance = instance
        self.retried = retried
        self.time = time
        self.client = client
        self.method = method
        self.path = path
        self.route = route
        self.backend = backend
        self.requestID = requestID
        self.status = status
        self.reason = reason
        self.description = description
    }

    public var line: String {
        var json = JSONLine.event("upstream_failure", at: time)
        json.add("request_id", requestID.map(TokenRedaction.redacting))
        json.add("client", client)
        json.add("method", method)
        json.add("path", TokenRedaction.redacting(path))
        json.add("route", route)
        json.add("backend", backend)
        json.add("instance", instance)
        if retried { json.add("retried", true) }
        if let status { json.add("status", status) }
        json.add("reason", reason.rawValue)
        json.add("description", description)
        return json.finish()
    }
}
