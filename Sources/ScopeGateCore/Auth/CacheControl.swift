/// The directives of a response's `Cache-Control` field that decide when a JWKS is stale
/// (RFC 9111 §5.2).
///
/// Parsing is lenient, as RFC 9111 §5.2 asks of recipients: directive names are
/// case-insensitive, an argument may be a token or a quoted string (so `max-age="60"` is 60),
/// unknown directives are ignored, and of repeated `max-age` directives the first wins
/// (RFC 9111 §4.2.1).
public struct CacheControl: Sendable, Equatable {
    /// `max-age` in seconds (RFC 9111 §5.2.2.1); `nil` when absent or not delta-seconds
    /// (RFC 9111 §1.2.2: digits only). Values beyond 2^31 are capped at 2147483648.
    public var maxAge: Int?
    /// `no-store` (RFC 9111 §5.2.2.5).
    public var noStore: Bool
    /// `no-cache` without an argument (RFC 9111 §5.2.2.4). The qualified form
    /// (`no-cache="Set-Cookie"`) only restricts the named fields, so it is not counted here.
    public var noCache: Bool

    public init(maxAge: Int? = nil, noStore: Bool = false, noCache: Bool = false) {
        self.maxAge = maxAge
        self.noStore = noStore
        self.noCache = noCache
    }

    /// Reads a `Cache-Control` field value; `nil` or garbage gives no directives.
    public init(parsing field: String?) {
        self.init()
        guard let field else { return }
        var sawMaxAge = false
        for directive in Self.directives(in: field) {
            switch directive.name {
            case "max-age":
                guard !sawMaxAge else { continue }
                sawMaxAge = true
                maxAge = directive.argument.flatMap(Self.deltaSeconds)
            case "no-store": noStore = true
            case "no-cache": noCache = noCache || directive.argument == nil
            default: continue
            }
        }
    }

    /// The largest delta-seconds value kept (RFC 9111 §1.2.2).
    static let deltaSecondsCap = 2_147_483_648

    /// `1*DIGIT`, capped at ``deltaSecondsCap``; `nil` for anything else (sign, space, empty).
    static func deltaSeconds(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        let digits = text.drop { $0 == "0" }
        if digits.count > 10 { return deltaSecondsCap }
        return min(Int(digits) ?? 0, deltaSecondsCap)
    }

    /// Splits `a, b=1, c="x, y"` into (lowercased name, unquoted argument) pairs,
    /// honouring commas inside quoted strings.
    static func directives(in field: String) -> [(name: String, argument: Substring?)] {
        var parts: [Substring] = []
        var start = field.startIndex
        var inQuotes = false
        var escaped = false
        var index = field.startIndex
        while index < field.endIndex {
            let character = field[index]
            if escaped {
                escaped = false
            } else if inQuotes && character == "\\" {
                escaped = true
            } else if character == "\"" {
                inQuotes.toggle()
            } else if character == "," && !inQuotes {
                parts.append(field[start..<index])
                start = field.index(after: index)
            }
            index = field.index(after: index)
        }
        parts.append(field[start...])

        return parts.compactMap { part in
            let trimmed = part.trimmingSpaces
            guard !trimmed.isEmpty else { return nil }
            guard let equals = trimmed.firstIndex(of: "=") else { return (trimmed.lowercased(), nil) }
            let name = trimmed[..<equals].trimmingSpaces.lowercased()
            var argument = trimmed[trimmed.index(after: equals)...].trimmingSpaces
            if argument.count >= 2, argument.first == "\"", argument.last == "\"" {
                argument = argument.dropFirst().dropLast()
            }
            return (name, argument)
        }
    }
}

extension Substring {
    /// Without leading and trailing spaces and tabs (OWS, RFC 9110 §5.6.3).
    fileprivate var trimmingSpaces: Substring {
        var result = self
        while let first = result.first, first == " " || first == "\t" { result = result.dropFirst() }
        while let last = result.last, last == " " || last == "\t" { result = result.dropLast() }
        return result
    }
}
