/// One request header the gateway adds for the backend from a verified token's claims
/// (`forwarding.claim_headers`), e.g. `X-Auth-Subject: alice`.
///
/// Built by the decision (``ClaimHeaderMapping``), so the value is exactly what the policy
/// allowed the request on; its bytes are valid in a field value (RFC 9110 §5.5).
public struct ClaimHeader: Sendable, Equatable {
    /// The configured header name, a `token` (RFC 9110 §5.1).
    public var name: String
    /// The claim's value.
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}
