/// `protected_resource.resource`: the protected resource's identifier (RFC 9728 §1.2) and the
/// URL of its metadata document (RFC 9728 §3.1).
///
/// Shape: `https://host[:port][/path]`, an absolute URL with no query, fragment or userinfo.
/// `http` is accepted only for a loopback host (`localhost`, `127.0.0.0/8`, `[::1]`), so that tests
/// and the demo can run without TLS; RFC 9728 §1.2 requires `https` everywhere else. The scheme is
/// written in lower case and the path in normal form (no percent-escapes, empty or dot segments),
/// so that the metadata path is exactly what the gateway's normalised request path is. A query is
/// refused although RFC 9728 allows one: RFC 8707 §2 says a resource SHOULD NOT have one, and
/// without it the metadata URL has a single spelling.
public struct ResourceIdentifier: Sendable, Equatable, CustomStringConvertible {
    /// The well-known URI suffix registered by RFC 9728 §6.3.
    public static let wellKnownPath = "/.well-known/oauth-protected-resource"

    /// The identifier exactly as configured: the metadata's `resource` member (RFC 9728 §2),
    /// compared byte for byte by clients (§3.3).
    public let value: String
    /// `scheme://authority`, e.g. `https://api.example.com:8443`.
    public let origin: String
    /// The path component without a lone `/`: `""` for `https://api.example.com` and
    /// `https://api.example.com/`, `/v1` for `https://api.example.com/v1`.
    public let path: String

    /// The path the metadata is served at: ``wellKnownPath`` with ``path`` appended (RFC 9728
    /// §3.1: the well-known suffix goes between the host and the path), e.g.
    /// `/.well-known/oauth-protected-resource/v1`.
    /// Built once: the decision compares every request's path with it.
    public let metadataPath: String
    /// The absolute URL of the metadata: ``origin`` + ``metadataPath``; the `resource_metadata`
    /// of every `WWW-Authenticate: Bearer` challenge (RFC 9728 §5.1). Derived from the
    /// configuration only, never from a request's `Host`.
    /// Built once: every challenge carries it.
    public let metadataURL: String

    private init(value: String, origin: String, path: String) {
        self.value = value
        self.origin = origin
        self.path = path
        self.metadataPath = Self.wellKnownPath + path
        self.metadataURL = origin + metadataPath
    }

    public var description: String { value }

    /// Parses `text`; the error says what is wrong, for the decoder to put at its JSON path.
    public static func parse(_ text: String) -> Result<ResourceIdentifier, ResourceIdentifierError> {
        func fail(_ message: String) -> Result<ResourceIdentifier, ResourceIdentifierError> {
            .failure(ResourceIdentifierError(description: "\"\(text)\" " + message))
        }
        let isHTTPS = text.hasPrefix("https://")
        guard isHTTPS || text.hasPrefix("http://") else {
            return fail("must be an absolute https URL (lower-case scheme), e.g. \"https://api.example.com\" (RFC 9728 §1.2)")
        }
        // URI characters only: the value also goes into a quoted-string of WWW-Authenticate.
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@/?#[]%".utf8)
        guard text.utf8.allSatisfy(allowed.contains) else {
            return fail("contains a character that is not allowed in a URL (RFC 3986 §2)")
        }
        if text.utf8.contains(UInt8(ascii: "#")) { return fail("must not have a fragment (RFC 9728 §1.2)") }
        if text.utf8.contains(UInt8(ascii: "?")) {
            return fail("must not have a query (RFC 8707 §2: a resource indicator SHOULD NOT have one)")
        }
        let rest = text.dropFirst(isHTTPS ? 8 : 7)
        let authority = rest.prefix { $0 != "/" }
        let rawPath = String(rest.dropFirst(authority.count))
        guard !authority.isEmpty else { return fail("has no host") }
        if authority.contains("@") { return fail("must not carry userinfo (\"user@\")") }
        let host: Substring
        var port: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return fail("has an unclosed \"[\" in its host") }
            host = authority[...close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return fail("has characters after its IPv6 host") }
                port = after.dropFirst()
            }
        } else {
            guard !authority.contains("[") && !authority.contains("]") else { return fail("has \"[\" or \"]\" outside an IPv6 host") }
            let parts = authority.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            host = parts[0]
            if parts.count == 2 { port = parts[1] }
        }
        guard !host.isEmpty, host != "[]" else { return fail("has no host") }
        if host.contains("%") { return fail("has a percent-escape in its host") }
        if let port {
            guard !port.isEmpty, port.count <= 5, port.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                  let number = Int(port), (1...65535).contains(number)
            else { return fail("has a port that is not a number from 1 to 65535") }
        }
        if !isHTTPS && !isLoopback(host) {
            return fail("uses http: only https is allowed (RFC 9728 §1.2), except for a loopback host (localhost, 127.0.0.0/8, [::1]) used in tests and demos")
        }
        var path = rawPath
        if path == "/" { path = "" }
        let checked = path.hasSuffix("/") ? String(path.dropLast()) : path
        if !checked.isEmpty, let problem = RouteConfig.prefixProblem(checked) {
            return fail("has a path that is not in normal form: " + problem)
        }
        let origin = String(text.prefix(text.utf8.count - rawPath.utf8.count))
        return .success(ResourceIdentifier(value: text, origin: origin, path: path))
    }

    /// `localhost`, a `127.0.0.0/8` address in dotted decimal, or `[::1]`.
    static func isLoopback(_ host: Substring) -> Bool {
        if host == "localhost" || host == "[::1]" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "127" else { return false }
        return parts.allSatisfy { part in
            !part.isEmpty && part.count <= 3 && part.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } && (Int(part) ?? 256) <= 255
        }
    }
}

/// Why a string is not a usable ``ResourceIdentifier``; `description` names the value.
public struct ResourceIdentifierError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
}
