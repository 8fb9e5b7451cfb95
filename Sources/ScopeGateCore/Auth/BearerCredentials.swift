/// What the request's `Authorization` header fields say about a bearer token.
///
/// Built from every `Authorization` field value of the request, in the order the
/// server received them (RFC 9110 §11.6.2). Only the `Bearer` scheme of RFC 6750 §2.1
/// is understood:
///
///     credentials = "Bearer" 1*SP token68          ; scheme is case-insensitive (RFC 9110 §11.1)
///     token68     = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
///
/// The choices, in order:
/// - no `Authorization` field → ``none`` (the caller answers 401 `missing_token`);
/// - two or more fields → ``invalid`` (RFC 9110 §5.3 does not allow a list here; 400
///   `invalid_authorization_header`);
/// - one field whose scheme is another syntactically valid auth-scheme (`Basic`,
///   `Digest`, ...) → ``none``: the request carries no bearer token, so the caller
///   challenges with `WWW-Authenticate: Bearer` exactly as if it had none (RFC 6750 §3);
/// - one field that is empty, whose scheme is not a token, or whose `Bearer`
///   credentials are not exactly one token68 (missing, a tab separator, a second
///   word, a character outside token68) → ``invalid``;
/// - otherwise → ``token(_:)`` with the token68 text.
///
/// Leading and trailing SP/HTAB of the field value are ignored (RFC 9110 §5.5 OWS).
/// Nothing here validates the token as a JWS: see ``CompactJWS``.
public enum BearerCredentials: Sendable, Equatable {
    /// No bearer token: no `Authorization` field, or one with another scheme.
    case none
    /// Exactly one well-formed bearer token (the token68 text, unmodified).
    case token(String)
    /// Several `Authorization` fields, or a malformed single one.
    case invalid

    /// Classifies the request's `Authorization` field values (all of them, as received).
    public init(authorizationHeaderValues values: [String]) {
        switch values.count {
        case 0: self = .none
        case 1:
            var value = values[0]
            self = value.withUTF8 { Self.parse($0) }
        default: self = .invalid
        }
    }

    private static func parse(_ raw: UnsafeBufferPointer<UInt8>) -> BearerCredentials {
        let value = ASCII.trimmingOWS(raw)
        let schemeEnd = value.firstIndex(where: { !isTokenChar($0) }) ?? value.endIndex
        guard schemeEnd > value.startIndex else { return .invalid }
        let scheme = value[value.startIndex..<schemeEnd]
        guard schemeEnd == value.endIndex || value[schemeEnd] == UInt8(ascii: " ") else { return .invalid }
        guard isBearer(scheme) else { return .none }

        var tokenStart = schemeEnd
        while tokenStart < value.endIndex, value[tokenStart] == UInt8(ascii: " ") { tokenStart += 1 }
        guard tokenStart > schemeEnd, tokenStart < value.endIndex else { return .invalid }
        let token = UnsafeBufferPointer(rebasing: value[tokenStart...])
        guard isToken68(token) else { return .invalid }
        return .token(String(decoding: token, as: UTF8.self))
    }

    private static func isBearer(_ scheme: Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
        let expected = "bearer".utf8
        guard scheme.count == expected.count else { return false }
        return zip(scheme, expected).allSatisfy { lowercased($0) == $1 }
    }

    private static func lowercased(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte + 32 : byte
    }

    private static let tcharSymbols = Array("!#$%&'*+-.^_`|~".utf8)

    /// RFC 9110 §5.6.2 `tchar`.
    private static func isTokenChar(_ byte: UInt8) -> Bool {
        if isAlphaNumeric(byte) { return true }
        return tcharSymbols.contains(byte)
    }

    private static func isAlphaNumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
            || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    /// The token68 characters below 128 as two 64-bit masks (bit `c` of `low` for `c < 64`,
    /// bit `c - 64` of `high` otherwise): `ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/"`.
    /// The token is checked on every request, so this is one shift and test per byte.
    private static let token68Masks: (low: UInt64, high: UInt64) = {
        var low: UInt64 = 0, high: UInt64 = 0
        for byte in Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/".utf8) {
            if byte < 64 { low |= 1 << UInt64(byte) } else { high |= 1 << UInt64(byte - 64) }
        }
        return (low, high)
    }()

    /// RFC 9110 §11.2 `token68`.
    static func isToken68(_ bytes: ArraySlice<UInt8>) -> Bool {
        bytes.withUnsafeBufferPointer { isToken68($0) }
    }

    /// RFC 9110 §11.2 `token68`: at least one token68 character, then only `=`.
    static func isToken68(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let (low, high) = token68Masks
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "=") { break }
            let allowed: Bool
            if byte < 64 {
                allowed = low & (1 << UInt64(byte)) != 0
            } else if byte < 128 {
                allowed = high & (1 << UInt64(byte - 64)) != 0
            } else {
                allowed = false
            }
            guard allowed else { return false }
            index += 1
        }
        guard index > 0 else { return false }
        while index < bytes.count {
            guard bytes[index] == UInt8(ascii: "=") else { return false }
            index += 1
        }
        return true
    }
}
