/// The JWS header `typ` values accepted for an access token (RFC 7515 §4.1.9, RFC 8725 §3.11,
/// RFC 9068 §2.1).
///
/// Explicit typing keeps a JWT the same issuer signed for another purpose from passing as an
/// access token when its other claims happen to fit: a logout token (`logout+jwt`), a DPoP
/// proof (`dpop+jwt`), a security event token (`secevent+jwt`), an ID token typed as such.
/// A `typ` is a media type; `application/` may be left out (RFC 7515 §4.1.9) and letter case
/// does not count (RFC 2045 §5.1), so `AT+JWT` and `application/at+jwt` are the same type.
///
/// - Default policy: no `typ`, `JWT` (what most providers put in access tokens) and `at+jwt`.
/// - Strict (`require_typ: "at+jwt"`): `at+jwt` only.
/// Every other value is refused under either policy.
enum AccessTokenType {
    /// Checks `typ` (`nil` when the header has none).
    ///
    /// - Parameter strict: the issuer's `require_typ`.
    /// - Throws: ``TokenRejection`` `invalid_token_type`, naming the type found.
    static func check(_ typ: String?, strict: Bool) throws(TokenRejection) {
        guard let typ else {
            if strict { throw TokenRejection(.invalidTokenType, "typ (none) is not \"at+jwt\" (RFC 9068)") }
            return
        }
        let prefixed = ASCII.equalsIgnoringCase(String(decoding: typ.utf8.prefix(12), as: UTF8.self), "application/")
        let bare = prefixed ? String(decoding: typ.utf8.dropFirst(12), as: UTF8.self) : typ
        if ASCII.equalsIgnoringCase(bare, "at+jwt") { return }
        if strict {
            throw TokenRejection(.invalidTokenType, "typ \(TokenRejection.quoted(typ)) is not \"at+jwt\" (RFC 9068)")
        }
        if ASCII.equalsIgnoringCase(bare, "jwt") { return }
        throw TokenRejection(
            .invalidTokenType,
            "typ \(TokenRejection.quoted(typ)) is not an access token type (accepted: none, \"JWT\", \"at+jwt\")")
    }
}
