/// Whether a route's rule denies what it does not allow, or only reports it.
///
/// Config: `routes[i].enforce` (the route's methods) and `routes[i].methods.<METHOD>.enforce`
/// (one method, in the object form of a method rule), `"enforce"` (the default) or `"shadow"`.
public enum Enforcement: String, Sendable, Equatable {
    /// A request the rule does not allow is denied (401, 403, 405, 503).
    case enforce
    /// Shadow mode (report-only): the whole decision is made, and a request it would deny is
    /// logged as `would_deny` with its reason, counted, and forwarded anyway, as if the route
    /// were not there to deny it. For rolling a new policy out in front of an API already in
    /// production. What is never shadowed, because forwarding it would be unsafe whatever the
    /// policy: an invalid or ambiguous request target (400, a letter-case variant 404), no
    /// route (404), a malformed or duplicated token header (400 `invalid_request`), a query
    /// parameter backends may read as the token, a refused CORS preflight, and every refusal
    /// of the request head (413, 431, 501). Claim headers come only from a token that verified.
    case shadow
}
