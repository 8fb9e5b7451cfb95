/// Whether a JWKS's `oct` (shared-secret) members become HMAC keys.
///
/// Only a JWKS the operator controls (a local file) may hold HMAC secrets; a JWKS
/// fetched from the network is public by nature, and a public value used as an HMAC
/// secret lets anyone mint tokens (RFC 8725 §2.1, §3.1).
public enum SymmetricKeyPolicy: Sendable {
    /// `oct` members are skipped (the default, and the only choice for remote sources).
    case reject
    /// `oct` members with a `k` of at least 32 bytes become HS256/384/512 keys.
    case accept
}
