/// Why a request was denied or failed: a stable `snake_case` code.
///
/// The same string appears in the denial log (`reason`), in `scopegate explain`
/// output, in the `error_description` of 401/403 bodies and, later, in metrics
/// labels. Never rename a case's raw value: log pipelines match on it.
public enum ReasonCode: String, Sendable, Codable, CaseIterable {
    // MARK: Request target and framing (400, 404, 405, 413, 431)
    /// The request target is not origin-form or absolute-form, or has a forbidden
    /// character, a bad percent-escape, an encoded `/`, `\` or NUL, a `;` (RFC 9112 §3.2), or
    /// percent-escapes that are not valid UTF-8 (RFC 3629: overlong `%C0%AE`, surrogates, ...).
    case invalidRequestTarget = "invalid_request_target"
    /// The request is malformed at the HTTP level (missing or duplicate `Host`, bad framing).
    case invalidRequest = "invalid_request"
    /// No route's path prefix matches the normalised path.
    case routeNotFound = "route_not_found"
    /// The route exists but does not configure this method (RFC 9110 §15.5.6).
    case methodNotAllowed = "method_not_allowed"
    /// The request body exceeds `limits.max_body_bytes` (RFC 9110 §15.5.14).
    case bodyTooLarge = "body_too_large"
    /// The request head exceeds `limits.max_header_bytes` (RFC 6585 §5).
    case headersTooLarge = "headers_too_large"
    /// The request head did not arrive whole in time, or its body went silent too long, arrived
    /// too slowly or not whole in time (`listen.request_head_timeout_ms`, `listen.body_idle_timeout_ms`,
    /// `listen.body_min_bytes_per_second`, `listen.body_timeout_ms`; RFC 9110 §15.5.9: 408).
    case requestTimeout = "request_timeout"
    /// `Transfer-Encoding` names a coding other than exactly `chunked` (RFC 9112 §6.1: 501).
    case unsupportedTransferCoding = "unsupported_transfer_coding"

    // MARK: Bearer token (401 / 400), RFC 6750 §3.1
    /// No bearer token (in the configured header, or query parameter) on a protected route.
    case missingToken = "missing_token"
    /// More than one token header, a malformed one, a token both in the header and in the query,
    /// the token query parameter twice, or a query pair backends may read as that parameter
    /// (`;`-separated, other letter case, `.`/space/`[` variants; also on `public` methods)
    /// (RFC 6750 §3.1 `invalid_request`).
    case invalidAuthorizationHeader = "invalid_authorization_header"
    /// Not a compact JWS: not three base64url parts, bad base64url, header or payload not a JSON object.
    case malformedToken = "malformed_token"
    /// The token's `alg` is not in its issuer's `algorithms`, is `none`, or does not fit the key's type or `alg`.
    case algorithmNotAllowed = "algorithm_not_allowed"
    /// The header names a `kid` that the issuer's keys do not hold, or no key fits the token.
    case unknownKeyID = "unknown_kid"
    /// The signature does not verify against the selected key (RFC 7515 §5.2).
    case invalidSignature = "invalid_signature"
    /// `exp` is at or before now minus the clock skew (RFC 7519 §4.1.4).
    case tokenExpired = "token_expired"
    /// `nbf` is after now plus the clock skew (RFC 7519 §4.1.5).
    case tokenNotYetValid = "token_not_yet_valid"
    /// `iat` is after now plus the clock skew: the token claims to be issued in the future
    /// (RFC 7519 §4.1.6); a sign of a wrong clock at the issuer or a forged token.
    case tokenIssuedInFuture = "token_issued_in_future"
    /// `exp - iat` (or `exp - now` without `iat`) exceeds the issuer's `max_lifetime_seconds`:
    /// long-lived tokens are refused even when validly signed.
    case tokenLifetimeTooLong = "token_lifetime_too_long"
    /// The JWS header `typ` is not an access token's: anything but none, `JWT` and `at+jwt`
    /// (`logout+jwt`, `dpop+jwt`, ...; RFC 8725 §3.11), or, with `require_typ`, not `at+jwt`
    /// (RFC 9068 §2.1, §4): keeps other JWTs of the same issuer out.
    case invalidTokenType = "invalid_token_type"
    /// `iss` is missing or is not the `issuer` of any configured issuer (RFC 7519 §4.1.1, RFC 9068 §4).
    case invalidIssuer = "invalid_issuer"
    /// `aud` is missing or contains none of the issuer's `audiences` (RFC 7519 §4.1.3, RFC 9068 §4).
    case invalidAudience = "invalid_audience"
    /// The token's client (the issuer's `client_id_claim`) is missing or not one of its
    /// `allowed_client_ids`: a token issued to another application.
    case clientNotAllowed = "client_not_allowed"
    /// A required claim is missing (`exp`, or one of the issuer's `required_claims`).
    case missingClaim = "missing_claim"
    /// A claim has the wrong JSON type (a string `exp`, a numeric `scope`, ...), a `sub` or
    /// client claim holds a control character, or a `required_claims` value differs.
    case invalidClaim = "invalid_claim"
    /// No verification keys are loaded for the token's issuer, so it cannot be checked (fail closed: 503).
    case keysUnavailable = "keys_unavailable"

    // MARK: CORS (403)
    /// A CORS preflight from an origin, for a method or with a request header that `cors`
    /// does not allow: answered without the `Access-Control-Allow-*` headers, so the browser
    /// does not send the call.
    case corsPreflightRefused = "cors_preflight_refused"

    // MARK: Policy (403)
    /// The token is valid but lacks a scope the route and method require (RFC 6750 §3.1).
    case insufficientScope = "insufficient_scope"

    // MARK: Upstream (502, 504)
    /// The backend refused or could not be connected to.
    case upstreamConnectFailed = "upstream_connect_failed"
    /// The backend did not answer in time.
    case upstreamTimeout = "upstream_timeout"
    /// The backend closed or reset the connection, or sent an invalid response.
    case upstreamReset = "upstream_reset"
    /// Any other upstream failure.
    case upstreamFailed = "upstream_failed"
}
