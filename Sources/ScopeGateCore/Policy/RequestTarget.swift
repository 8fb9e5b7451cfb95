/// A checked and normalised HTTP request target.
///
/// The gateway decides on, logs and forwards this normalised form only, so the
/// policy and the backend always see the same path.
///
/// Accepted forms (RFC 9112 §3.2): origin-form (`/path?query`) and absolute-form
/// (`http://authority/path?query`, whose authority is ignored). Everything else
/// (asterisk-form, authority-form, a fragment) is rejected.
///
/// Path normalisation (RFC 3986 §6.2.2): percent-escapes of unreserved characters are
/// decoded (`%7E` -> `~`, `%2e` -> `.`), other escapes keep their byte with upper-case hex,
/// empty segments are merged (`//` -> `/`), and dot segments are resolved
/// (RFC 3986 §5.2.4). Rejected because backends disagree on their meaning, which is how
/// path-based authorisation is bypassed: an encoded `/`, `\`, `;`, `%` control or NUL, a
/// raw `\` or `;`, any byte outside RFC 3986 `pchar`, malformed escapes, and escapes that do
/// not stand for valid UTF-8 (RFC 3629 §3-4, checked on each run of `%80`-`%FF` escapes of the
/// normalised path: overlong `%C0%AE` or `%C0%AF`, surrogates, above U+10FFFF, lead bytes
/// `%F5`-`%FF`, stray or missing continuation bytes), which lenient decoders read as `.` or `/`.
/// Valid escaped UTF-8 (`/caf%C3%A9`) is kept as it is.
public struct RequestTarget: Sendable, Equatable {
    /// The normalised absolute path, always starting with `/`.
    public var path: String
    /// The query without `?`, exactly as received (validated, never normalised), or `nil`.
    public var query: String?

    /// `path` then `?query` when there is one: what goes to the backend.
    public var pathAndQuery: String { query.map { "\(path)?\($0)" } ?? path }

    /// Parses and normalises a raw request target.
    /// - Returns: the target, or a short reason (safe to log) why it is invalid.
    public static func parse(_ raw: String) -> Result<RequestTarget, RequestTargetError> {
        var bytes = Array(raw.utf8)[...]
        if bytes.first != UInt8(ascii: "/") {
            guard let rest = stripAbsoluteFormPrefix(bytes) else {
                return .failure(.init("request target must be origin-form or absolute-form"))
            }
            bytes = rest
        }
        if bytes.contains(UInt8(ascii: "#")) { return .failure(.init("request target must not contain a fragment")) }

        let queryStart = bytes.firstIndex(of: UInt8(ascii: "?"))
        let rawPath = bytes[..<(queryStart ?? bytes.endIndex)]
        var query: String?
        if let queryStart {
            let rawQuery = bytes[(queryStart + 1)...]
            guard rawQuery.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                return .failure(.init("query contains a control, space or non-ASCII byte"))
            }
            query = String(decoding: rawQuery, as: UTF8.self)
        }
        switch PathNormalizer.normalize(rawPath.isEmpty ? [UInt8(ascii: "/")][...] : rawPath) {
        case .success(let path): return .success(RequestTarget(path: path, query: query))
        case .failure(let error): return .failure(error)
        }
    }

    /// For `http://host/p` returns `/p` (or `/` for `http://host`, `/?q` for `http://host?q`).
    private static func stripAbsoluteFormPrefix(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        let text = String(decoding: bytes.prefix(8), as: UTF8.self).lowercased()
        let schemeLength: Int
        if text.hasPrefix("http://") { schemeLength = 7 } else if text.hasPrefix("https://") { schemeLength = 8 } else { return nil }
        let afterScheme = bytes.dropFirst(schemeLength)
        let authorityEnd = afterScheme.firstIndex(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") }) ?? afterScheme.endIndex
        guard authorityEnd > afterScheme.startIndex else { return nil }
        // Userinfo is deprecated in http(s) URIs (RFC 9110 §4.2.4) and may carry credentials.
        guard !afterScheme[..<authorityEnd].contains(UInt8(ascii: "@")) else { return nil }
        let rest = afterScheme[authorityEnd...]
        if rest.first == UInt8(ascii: "/") { return rest }
        return [UInt8(ascii: "/")][...] + rest
    }
}

/// Why a request target was rejected (400 `invalid_request_target`). Never contains the query.
public struct RequestTargetError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
