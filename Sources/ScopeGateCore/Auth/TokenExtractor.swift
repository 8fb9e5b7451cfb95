/// Finds the bearer token of a request where `api.token` says it may be (RFC 6750 §2).
///
/// Inputs: every value of the configured header, as received, and the raw query (without
/// `?`). The choices:
/// - header `Authorization`: read as ``BearerCredentials`` (scheme `Bearer`, one token68;
///   another scheme counts as no token); any other header: its value, OWS-trimmed, is the
///   bare token and must be one token68;
/// - the query parameter, only when configured (RFC 6750 §2.3, `access_token=...`, the
///   value percent-decoded);
/// - ``TokenExtraction/invalid`` (400 `invalid_request`, RFC 6750 §3.1) for two header
///   fields, a malformed one, the parameter twice or empty, or a token in both places:
///   "clients MUST NOT use more than one method to transmit the token in each request" (§2);
///   also, when the parameter is configured, for a look-alike of it that a backend may read
///   as the token although the gateway does not (``queryHasLookAlike(_:)``).
///
/// A token found in the query must be removed from what is forwarded: see
/// ``removingParameter(_:fromQuery:)``.
public struct TokenExtractor: Sendable {
    /// Where the token may be.
    public let location: TokenLocationConfig
    /// `location.queryParameter` with the pair names backends may read as it.
    private let queryName: QueryParameterName?

    public init(_ location: TokenLocationConfig) {
        self.location = location
        self.queryName = location.queryParameter.map(QueryParameterName.init)
    }

    /// Classifies one request's token placement.
    ///
    /// - Parameters:
    ///   - headerValues: every value of the `location.header` field, in order received.
    ///   - rawQuery: the query without `?`, as received, or `nil`.
    public func extract(headerValues: [String], rawQuery: String?) -> TokenExtraction {
        let fromHeader: String?
        if location.usesBearerScheme {
            switch BearerCredentials(authorizationHeaderValues: headerValues) {
            case .none: fromHeader = nil
            case .invalid: return .invalid
            case .token(let token): fromHeader = token
            }
        } else {
            switch headerValues.count {
            case 0: fromHeader = nil
            case 1:
                let value = headerValues[0].trimmingCharacters(in: " \t")
                guard BearerCredentials.isToken68(Array(value.utf8)[...]) else { return .invalid }
                fromHeader = value
            default: return .invalid
            }
        }
        guard let name = location.queryParameter, let rawQuery else {
            return fromHeader.map { .token($0, fromQuery: false) } ?? .none
        }
        guard !queryHasLookAlike(rawQuery) else { return .invalid }
        let values = Self.values(of: name, inQuery: rawQuery)
        switch (fromHeader, values.count) {
        case (let header?, 0): return .token(header, fromQuery: false)
        case (nil, 0): return .none
        case (nil, 1):
            guard let token = values[0], BearerCredentials.isToken68(Array(token.utf8)[...]) else { return .invalid }
            return .token(token, fromQuery: true)
        default: return .invalid
        }
    }

    /// Whether `rawQuery` (without `?`) has a pair that a backend may read as the configured
    /// query parameter but that is not a clean `&`-separated pair with exactly its
    /// (percent-decoded) name: `x=1;access_token=T`, `Access_Token=T`, `access.token=T`,
    /// `access%20token=T`, `access_token[]=T` (see ``QueryParameterName`` for the rules).
    /// Such a pair must be neither checked as the token nor forwarded unchecked: 400
    /// `invalid_request` (RFC 6750 §3.1, §5.3). Always `false` when no parameter is configured.
    public func queryHasLookAlike(_ rawQuery: String) -> Bool {
        guard let queryName else { return false }
        for field in rawQuery.split(separator: "&", omittingEmptySubsequences: true) {
            let hasSemicolon = field.utf8.contains(UInt8(ascii: ";"))
            for pair in field.split(separator: ";", omittingEmptySubsequences: true) {
                let rawName = pair.prefix { $0 != "=" }
                guard queryName.isReading(of: rawName) else { continue }
                if hasSemicolon || Self.percentDecoded(rawName) != queryName.name { return true }
            }
        }
        return false
    }

    /// `query` without every `name=value` pair named `name` (compared after percent-decoding),
    /// other pairs kept byte for byte and in order; `nil` when nothing is left.
    public static func removingParameter(_ name: String, fromQuery query: String) -> String? {
        let kept = query.split(separator: "&", omittingEmptySubsequences: false).filter { pair in
            percentDecoded(pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)[0]) != name
        }
        let result = kept.joined(separator: "&")
        return result.isEmpty ? nil : result
    }

    /// The decoded values of every `name` pair (`nil` for an undecodable value).
    private static func values(of name: String, inQuery query: String) -> [String?] {
        var result: [String?] = []
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard percentDecoded(parts[0]) == name else { continue }
            result.append(parts.count == 2 ? percentDecoded(parts[1]) : nil)
        }
        return result
    }

    /// `application/x-www-form-urlencoded` decoding: `+` is a space, `%XX` a byte; `nil`
    /// for a malformed escape or bytes that are not UTF-8.
    static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"): bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(ASCII.hexValue), let low = iterator.next().flatMap(ASCII.hexValue) else {
                    return nil
                }
                bytes.append(high << 4 | low)
            default: bytes.append(byte)
            }
        }
        let decoded = String(decoding: bytes, as: UTF8.self)
        return Array(decoded.utf8) == bytes ? decoded : nil
    }

}

/// Where a request's bearer token was found.
public enum TokenExtraction: Sendable, Equatable {
    /// No token in any configured place.
    case none
    /// Exactly one token; `fromQuery` when it came from the query parameter (then it must
    /// not be forwarded).
    case token(String, fromQuery: Bool)
    /// Ambiguous or malformed: 400 `invalid_request`.
    case invalid
}

extension String {
    fileprivate func trimmingCharacters(in set: String) -> String {
        let trim = Set(set.unicodeScalars)
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !trim.contains($0) }),
              let last = scalars.lastIndex(where: { !trim.contains($0) })
        else { return "" }
        return String(scalars[first...last])
    }
}
