/// One entry of `cors.allowed_origins`: an origin as browsers serialize it in `Origin`
/// (RFC 6454 §6.2: `scheme://host[:port]`, lower case, no path).
///
/// - `"https://app.example.com"`, `"http://127.0.0.1:5173"`: exactly that origin.
/// - `"https://*.example.com"`: any origin whose host is ONE more DNS label (letters, digits,
///   `-`) in front of `example.com`, with that scheme and port: `https://a.example.com`, not
///   `https://example.com`, `https://a.b.example.com` or `https://evil.com?.example.com`.
/// - `"*"`: any origin; only without `allow_credentials`.
public enum OriginPattern: Sendable, Equatable, CustomStringConvertible {
    case exact(String)
    /// `scheme://*` + `suffix` (the suffix starts with `.` and may end with `:port`).
    case oneLabel(scheme: String, suffix: String)
    case any

    public var description: String {
        switch self {
        case .exact(let origin): return origin
        case .oneLabel(let scheme, let suffix): return scheme + "://*" + suffix
        case .any: return "*"
        }
    }

    /// Whether the `Origin` header value `origin` is allowed by this pattern; byte for byte.
    public func matches(_ origin: String) -> Bool {
        switch self {
        case .any:
            return true
        case .exact(let allowed):
            return origin.utf8.elementsEqual(allowed.utf8)
        case .oneLabel(let scheme, let suffix):
            let bytes = Array(origin.utf8)
            let head = Array((scheme + "://").utf8), tail = Array(suffix.utf8)
            guard bytes.count > head.count + tail.count, bytes.starts(with: head), bytes.suffix(tail.count).elementsEqual(tail) else {
                return false
            }
            let label = bytes[head.count..<(bytes.count - tail.count)]
            return label.count <= 63 && label.first != UInt8(ascii: "-") && label.last != UInt8(ascii: "-")
                && label.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: "-") }
        }
    }

    /// Parses a configured entry.
    /// - Returns: the pattern, or a message saying what is wrong (for `gateway.json` errors).
    static func parse(_ text: String) -> Result<OriginPattern, OriginPatternError> {
        if text == "*" { return .success(.any) }
        if text.lowercased() == "null" {
            return .failure(.init("\"null\" is the origin of sandboxed frames, file: pages and redirects: any page can have it, so it cannot be allowed"))
        }
        guard let separator = text.range(of: "://") else {
            return .failure(.init("\"\(text)\" is not an origin: scheme://host[:port], e.g. \"https://app.example.com\""))
        }
        let scheme = String(text[..<separator.lowerBound])
        let rest = String(text[separator.upperBound...])
        guard scheme == "https" || scheme == "http" else {
            return .failure(.init("\"\(text)\": only http and https origins can be allowed (in lower case)"))
        }
        guard text == text.lowercased() else {
            return .failure(.init("\"\(text)\" must be in lower case, as browsers send it in Origin"))
        }
        guard !rest.isEmpty, !rest.contains(where: { "/?#@\\ ".contains($0) }) else {
            return .failure(.init("\"\(text)\" is not an origin: no path, query, fragment or user part (not even a trailing /)"))
        }
        var host = Substring(rest)
        var port: Substring?
        if let colon = rest.lastIndex(of: ":"), !rest.hasSuffix("]") {
            host = rest[..<colon]
            port = rest[rest.index(after: colon)...]
        }
        if let port {
            guard let number = Int(port), (1...65535).contains(number), String(number) == port else {
                return .failure(.init("\"\(text)\" has an invalid port"))
            }
            if (scheme == "https" && number == 443) || (scheme == "http" && number == 80) {
                return .failure(.init("\"\(text)\": browsers leave the default port out of Origin; write it without :\(number)"))
            }
        }
        if host.hasPrefix("*.") {
            let domain = host.dropFirst(2)
            guard domain.contains("."), isHostName(domain) else {
                return .failure(.init("\"\(text)\": a wildcard must stand for one label in front of a domain of at least two labels, e.g. \"https://*.example.com\""))
            }
            if isSharedSuffix(domain) {
                return .failure(.init("\"\(text)\": \(domain) is a public suffix: its subdomains belong to anyone (list your own origins instead)"))
            }
            return .success(.oneLabel(scheme: scheme, suffix: String(rest.dropFirst(1))))
        }
        guard !host.contains("*") else {
            return .failure(.init("\"\(text)\": \"*\" may only stand alone or as the first label (\"https://*.example.com\")"))
        }
        guard isHostName(host) || isIPv6Literal(host) else {
            return .failure(.init("\"\(text)\" has no valid host"))
        }
        return .success(.exact(text))
    }

    /// `[` IPv6 address `]` (RFC 3986 §3.2.2), lower-case hex, as browsers serialize it.
    private static func isIPv6Literal(_ host: Substring) -> Bool {
        guard host.hasPrefix("["), host.hasSuffix("]") else { return false }
        let inner = host.dropFirst().dropLast()
        return inner.contains(":") && inner.count >= 2 && inner.count <= 45
            && inner.allSatisfy { $0 == ":" || $0 == "." || ($0.isASCII && $0.isHexDigit && !$0.isUppercase) }
    }

    /// Domains whose subdomains are registered by anyone: second-level public suffixes
    /// (`co.uk`, `com.au`, ...) and well-known shared hosting (`github.io`, ...). Not the
    /// whole Public Suffix List: `scopegate check` warns about every wildcard all the same.
    static func isSharedSuffix(_ domain: Substring) -> Bool {
        let labels = domain.split(separator: ".")
        if labels.count == 2, ["co", "com", "net", "org", "gov", "edu", "ac", "or", "ne", "go", "gob", "nic"].contains(labels[0]) {
            return true
        }
        return [
            "github.io", "gitlab.io", "herokuapp.com", "vercel.app", "netlify.app", "pages.dev", "workers.dev", "web.app",
            "firebaseapp.com", "appspot.com", "azurewebsites.net", "azurestaticapps.net", "cloudfront.net", "blogspot.com",
            "s3.amazonaws.com", "amplifyapp.com", "onrender.com", "fly.dev", "glitch.me", "ngrok.io", "ngrok-free.app",
        ].contains(String(domain))
    }

    private static func isHostName(_ host: Substring) -> Bool {
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        return !labels.isEmpty && labels.allSatisfy { label in
            !label.isEmpty && label.count <= 63 && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }
}

/// Why a `cors.allowed_origins` entry is refused.
struct OriginPatternError: Error {
    var message: String
    init(_ message: String) { self.message = message }
}
