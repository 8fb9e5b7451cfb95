/// `forwarding.claim_headers`, ready for the decision: which claim of a verified token goes
/// into which request header.
///
/// Built once per configuration. The claims (``ForwardingConfig/propagatableClaims``):
/// - `sub`: ``VerifiedToken/subject``;
/// - `client_id`: ``VerifiedToken/clientID``, the issuer's client claim (`client_id_claim`;
///   by default `client_id`, else `azp`);
/// - `iss`: ``VerifiedToken/issuer``;
/// - `scope`: the granted scopes, space-separated (RFC 6749 §3.3 scope-tokens).
///
/// Order: the headers come in claim-name order (`client_id`, `iss`, `scope`, `sub`). A JSON
/// object's members have no order (RFC 8259 §4), and the loader reads `claim_headers` in this
/// one; it is fixed here, not sorted per request.
public struct ClaimHeaderMapping: Sendable, Equatable {
    /// One configured claim and its header.
    public struct Entry: Sendable, Equatable {
        /// The claim name as configured, one of ``ForwardingConfig/propagatableClaims``.
        public var claim: String
        /// The header name.
        public var header: String
    }

    /// The configured claims and headers, in claim-name order; names outside
    /// ``ForwardingConfig/propagatableClaims`` (which the loader refuses) are left out.
    public let entries: [Entry]

    /// - Parameter claimHeaders: `forwarding.claim_headers`, claim name to header name.
    public init(_ claimHeaders: [String: String]) {
        entries = claimHeaders.keys.sorted()
            .filter { ForwardingConfig.propagatableClaims.contains($0) }
            .map { Entry(claim: $0, header: claimHeaders[$0]!) }
    }

    /// The claim headers for `token`, one per configured claim the token has (a token without
    /// `sub` gets no subject header).
    ///
    /// Every value must be a valid field value (RFC 9110 §5.5: no byte %x00-08, %x0A-1F or
    /// %x7F). For a token from ``TokenVerifier`` that always holds: its `sub` and client claim
    /// passed the stricter check of ``Claims`` (401 `invalid_claim` otherwise), its issuer is a
    /// configured one (the loader refuses control characters in it) and its scopes are
    /// scope-tokens. A value that still fails (a ``VerifiedToken`` built another way) fails
    /// closed: the request is denied rather than forwarded without the header.
    ///
    /// - Returns: the headers in ``entries`` order, or a ``TokenRejection`` `invalid_claim`
    ///   naming the claim and the header (never the value).
    public func headers(for token: VerifiedToken) -> Result<[ClaimHeader], TokenRejection> {
        var headers: [ClaimHeader] = []
        headers.reserveCapacity(entries.count)
        for entry in entries {
            let value: String?
            switch entry.claim {
            case "sub": value = token.subject
            case "client_id": value = token.clientID
            case "iss": value = token.issuer
            case "scope": value = token.grantedScopes.joined(separator: " ")
            default: value = nil
            }
            guard let value else { continue }
            guard !value.utf8.contains(where: Self.isForbiddenInFieldValue) else {
                return .failure(TokenRejection(
                    .invalidClaim, "\(entry.claim) holds a control character and cannot be sent in \(entry.header) (RFC 9110 §5.5)"))
            }
            headers.append(ClaimHeader(entry.header, value))
        }
        return .success(headers)
    }

    /// %x00-08, %x0A-1F and %x7F: the bytes RFC 9110 §5.5 keeps out of a field value.
    private static func isForbiddenInFieldValue(_ byte: UInt8) -> Bool {
        (byte < 0x20 && byte != 0x09) || byte == 0x7F
    }
}
