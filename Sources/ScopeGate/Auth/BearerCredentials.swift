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
        case 1: self = Self.parse(Array(values[0].utf8))
        default: self = .invalid
        }
    }

    private static func parse(_ raw: [UInt8]) -> BearerCredentials {
        let value = raw.trimmingOWS()
        let schemeEnd = value.firstIndex(where: { !isTokenChar($0) }) ?? value.endIndex
        guard schemeEnd > value.startIndex else { return .invalid }
        let scheme = value[value.startIndex..<schemeEnd]
        guard schemeEnd == value.endIndex || value[schemeEnd] == UInt8(ascii: " ") else { return .invalid }
        guard isBearer(scheme) else { return .none }

        var tokenStart = schemeEnd
        while tokenStart < value.endIndex, value[tokenStart] == UInt8(ascii: " ") { tokenStart += 1 }
        guard tokenStart > schemeEnd, tokenStart < value.endIndex else { return .invalid }
        let token = value[tokenStart...]
        guard isToken68(token) else { return .invalid }
        return .token(String(decoding: token, as: UTF8.self))
    }

    private static func isBearer(_ scheme: ArraySlice<UInt8>) -> Bool {
        let expected = Array("bearer".utf8)
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

    /// `ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/"`: one comparison chain per byte of a
    /// token that is read on every request.
    private static func isToken68Char(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "+"), UInt8(ascii: "/"):
            return true
        default:
            return false
        }
    }

    /// RFC 9110 §11.2 `token68`.
    static func isToken68(_ bytes: ArraySlice<UInt8>) -> Bool {
        let body = bytes.prefix { $0 != UInt8(ascii: "=") }
        guard !body.isEmpty else { return false }
        let padding = bytes[body.endIndex...]
        guard padding.allSatisfy({ $0 == UInt8(ascii: "=") }) else { return false }
        return body.allSatisfy(isToken68Char)
    }
}

extension Array where Element == UInt8 {
    /// The bytes without leading and trailing SP / HTAB (RFC 9110 §5.6.3 OWS).
    fileprivate func trimmingOWS() -> ArraySlice<UInt8> {
        let isOWS: (UInt8) -> Bool = { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        guard let first = firstIndex(where: { !isOWS($0) }), let last = lastIndex(where: { !isOWS($0) }) else {
            return []
        }
        return self[first...last]
    }
}
