/// A JWS in compact serialization, split and decoded but not yet verified (RFC 7515 §7.1).
///
///     BASE64URL(header) "." BASE64URL(payload) "." BASE64URL(signature)
///
/// Parsing is strict: exactly three non-empty parts, each canonical unpadded
/// base64url (no `=`, `+`, `/` or whitespace, RFC 7515 §2), and header and payload
/// each a JSON object (RFC 7515 §5.2 step 3, RFC 7519 §7.2 step 10). Every failure is
/// `malformed_token`. An empty signature (the unsecured JWS of RFC 7515 §A.5) is
/// malformed here: the gateway never accepts unsigned tokens.
package struct CompactJWS: Sendable {
    /// The decoded JOSE header members.
    package var header: [String: JSONValue]
    /// The decoded JWT claims set members.
    package var payload: [String: JSONValue]
    /// The ASCII bytes `BASE64URL(header) "." BASE64URL(payload)`: what was signed (RFC 7515 §5.1 step 5).
    var signingInput: [UInt8]
    /// The decoded signature bytes.
    var signature: [UInt8]

    /// Splits and decodes `token`.
    ///
    /// - Parameters:
    ///   - token: the bearer token text.
    ///   - maxBytes: the largest accepted token length in bytes (`limits.max_token_bytes`).
    /// - Throws: ``TokenRejection`` with `malformed_token`.
    package static func parse(_ token: String, maxBytes: Int) throws(TokenRejection) -> CompactJWS {
        let bytes = Array(token.utf8)
        guard bytes.count <= maxBytes else {
            throw TokenRejection(.malformedToken, "token is longer than \(maxBytes) bytes")
        }
        let parts = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            throw TokenRejection(.malformedToken, "token is not a compact JWS: expected 3 parts, found \(parts.count)")
        }
        let names = ["header", "payload", "signature"]
        var decoded: [[UInt8]] = []
        for (part, name) in zip(parts, names) {
            guard !part.isEmpty else { throw TokenRejection(.malformedToken, "JWS \(name) is empty") }
            guard let value = Base64URL.decode(part) else {
                throw TokenRejection(.malformedToken, "JWS \(name) is not unpadded base64url")
            }
            decoded.append(value)
        }
        guard let header = JSONValue.decodeObject(decoded[0]) else {
            throw TokenRejection(.malformedToken, "JWS header is not a JSON object")
        }
        guard let payload = JSONValue.decodeObject(decoded[1]) else {
            throw TokenRejection(.malformedToken, "JWT claims set is not a JSON object")
        }
        let signingInput = Array(bytes[parts[0].startIndex..<parts[1].endIndex])
        return CompactJWS(header: header, payload: payload, signingInput: signingInput, signature: decoded[2])
    }
}
