import Foundation
import NIOHTTP1
import ScopeGateCore

/// How a request's body is delimited, read once from its head (RFC 9112 §6.3).
/// (`@_spi(Fuzzing)`: the `Fuzz/` package's request-head target calls the check directly.)
@_spi(Fuzzing) public enum RequestBodyFraming: Equatable, Sendable {
    /// No body: neither `Content-Length` nor `Transfer-Encoding`, or `Content-Length: 0`.
    case none
    /// `Content-Length: n`, n > 0.
    case length(Int)
    /// `Transfer-Encoding: chunked`.
    case chunked
}

/// The checks on a request head that come before the access decision, and the one reading
/// of its framing that both the limit check and the forwarding use (so the gateway never
/// reads a `Content-Length` differently from the parser that delimited the body).
///
/// In order, the first failure wins; every failure closes the connection:
/// 1. the head is larger than `limits.max_header_bytes` → 431 `headers_too_large`; a field
///    value whose bytes were not UTF-8 → 400 `invalid_request` (it could not be forwarded as
///    received);
/// 2. not exactly one `Host` (none is allowed in HTTP/1.0), or a `Host` that is not a DNS
///    name, IPv4 address or bracketed IPv6 literal with an optional port (RFC 9112 §3.2,
///    RFC 3986 §3.2.2; stricter than `reg-name`), or an absolute-form target whose
///    authority is not that `Host` (RFC 9112 §3.2.2) → 400 `invalid_request`;
/// 3. `Transfer-Encoding` in an HTTP/1.0 request (RFC 9112 §6.1: the framing is faulty)
///    → 400 `invalid_request`; a transfer coding other than exactly `chunked` → 501
///    `unsupported_transfer_coding` (RFC 9112 §6.1; the gateway would otherwise forward a
///    body still encoded with a coding it dropped);
/// 4. a `Content-Length` that is not one run of digits once optional whitespace around it is
///    removed (RFC 9110 §8.6, §5.5) → 400 `invalid_request`; above `limits.max_body_bytes`
///    → 413 `body_too_large`;
/// 5. a header that overrides the method or the URL (`X-HTTP-Method-Override`,
///    `X-HTTP-Method`, `X-Method-Override`, `X-Original-URL`, `X-Rewrite-URL`, in any case and
///    `_` spelling) or a `_method` query parameter → 400 `invalid_request`: the gateway
///    authorises the request's own method and path, and frameworks that honour these would
///    run another method or path than the one the policy allowed.
@_spi(Fuzzing) public struct RequestHeadCheck: Sendable {
    let maxHeaderBytes: Int
    let maxBodyBytes: Int

    /// - Parameters: `limits.max_header_bytes` and `limits.max_body_bytes`, in bytes.
    @_spi(Fuzzing) public init(maxHeaderBytes: Int, maxBodyBytes: Int) {
        self.maxHeaderBytes = maxHeaderBytes
        self.maxBodyBytes = maxBodyBytes
    }

    /// Header names (lower case, `_` as `-`) that make a framework use another method or URL.
    static let overrideHeaders: [String] = [
        "x-http-method-override", "x-http-method", "x-method-override", "x-original-url", "x-rewrite-url",
    ]

    /// What the check found: the body framing of an acceptable head, or the denial.
    @_spi(Fuzzing) public enum Verdict: Equatable, Sendable {
        case accept(RequestBodyFraming)
        case deny(Denial)
    }

    @_spi(Fuzzing) public func check(_ head: HTTPRequestHead) -> Verdict {
        var headBytes = head.uri.utf8.count + head.method.rawValue.utf8.count + 12
        // One pass over the fields for the size, the values and the override names; the
        // verdicts keep the order below.
        var replaced: String?
        var override: String?
        for (name, value) in head.headers {
            headBytes += name.utf8.count + value.utf8.count + 4
            if replaced == nil && Self.containsReplacementCharacter(value) { replaced = name }
            if override == nil && Self.isOverrideHeader(name) { override = name }
        }
        if headBytes > maxHeaderBytes {
            return .deny(Denial(status: 431, reason: .headersTooLarge,
                                   description: "request head is \(headBytes) bytes; the limit is \(maxHeaderBytes)"))
        }
        if let replaced {
            return .deny(Denial(status: 400, reason: .invalidRequest,
                                description: "\(replaced) is not valid UTF-8; it cannot be forwarded byte for byte"))
        }
        if let problem = hostProblem(head) {
            return .deny(Denial(status: 400, reason: .invalidRequest, description: problem))
        }
        let framing: RequestBodyFraming
        switch bodyFraming(head) {
        case .accept(let found): framing = found
        case .deny(let denial): return .deny(denial)
        }
        if case .length(let length) = framing, length > maxBodyBytes {
            return .deny(Denial(status: 413, reason: .bodyTooLarge,
                                   description: "request body is \(length) bytes; the limit is \(maxBodyBytes)"))
        }
        if let name = override {
            return .deny(Denial(status: 400, reason: .invalidRequest,
                                   description: "\(name) is not accepted: the gateway authorises the request's own method and path"))
        }
        if Self.hasMethodParameter(head.uri) {
            return .deny(Denial(status: 400, reason: .invalidRequest,
                                   description: "a _method query parameter is not accepted: the gateway authorises the request's own method"))
        }
        return .accept(framing)
    }

    /// Whether `value` holds U+FFFD (`EF BF BD`): what NIO's decoder leaves where a field value
    /// had bytes that are not UTF-8. Forwarding it would send the backend other bytes than the
    /// client's (RFC 9110 §5.5: obs-text is opaque), so such a request is refused.
    static func containsReplacementCharacter(_ value: String) -> Bool {
        var value = value
        return value.withUTF8 { bytes in
            guard var start = bytes.baseAddress else { return false }
            let end = start + bytes.count
            // memchr: the common all-ASCII value (a bearer token) is one vectorised scan.
            while end - start >= 3, let found = memchr(start, 0xEF, end - start - 2) {
                let byte = found.assumingMemoryBound(to: UInt8.self)
                if byte[1] == 0xBF && byte[2] == 0xBD { return true }
                start = UnsafePointer(byte + 1)
            }
            return false
        }
    }

    // MARK: Host (RFC 9112 §3.2)

    private func hostProblem(_ head: HTTPRequestHead) -> String? {
        let hosts = head.headers["Host"]
        if hosts.count > 1 || (hosts.isEmpty && head.version == .http1_1) {
            return "exactly one Host header is required"
        }
        guard let raw = hosts.first else { return nil }
        let host = String(decoding: ASCII.trimmingOWS(raw.utf8), as: UTF8.self)
        guard Self.isValidHost(host) else { return "Host is not a host name or address with an optional port" }
        if let (scheme, authority) = Self.absoluteFormAuthority(head.uri),
           Self.canonicalAuthority(authority, scheme: scheme) != Self.canonicalAuthority(host.lowercased(), scheme: scheme) {
            return "Host is not the authority of the absolute-form request target"
        }
        return nil
    }

    /// `host [":" port]`: a DNS-style name (`A-Z a-z 0-9 - . _ ~`), an IPv4 address (the same
    /// characters) or `[` IPv6 literal `]`; port 1-5 digits up to 65535.
    static func isValidHost(_ value: String) -> Bool {
        var value = value
        return value.withUTF8 { isValidHost(bytes: $0[...]) }
    }

    private static func isValidHost(bytes: Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
        var bytes = bytes
        guard !bytes.isEmpty else { return false }
        if bytes.first == UInt8(ascii: "[") {
            guard let close = bytes.firstIndex(of: UInt8(ascii: "]")), close > bytes.startIndex + 1 else { return false }
            let literal = bytes[(bytes.startIndex + 1)..<close]
            guard literal.allSatisfy({ ASCII.hexValue($0) != nil || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") }),
                  literal.contains(UInt8(ascii: ":")) else { return false }
            bytes = bytes[(close + 1)...]
        } else {
            let end = bytes.firstIndex(of: UInt8(ascii: ":")) ?? bytes.endIndex
            let name = bytes[bytes.startIndex..<end]
            guard !name.isEmpty, name.allSatisfy(isHostNameByte) else { return false }
            bytes = bytes[end...]
        }
        if bytes.isEmpty { return true }
        guard bytes.first == UInt8(ascii: ":") else { return false }
        let port = bytes.dropFirst()
        guard (1...5).contains(port.count), port.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              let number = Int(String(decoding: port, as: UTF8.self)), number <= 65535 else { return false }
        return true
    }

    private static func isHostNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// The scheme and authority of an absolute-form target (`http://authority/path`), both
    /// lower-cased; `nil` for origin-form and anything else (the target check rejects those).
    static func absoluteFormAuthority(_ uri: String) -> (scheme: String, authority: String)? {
        guard let first = uri.utf8.first, first != UInt8(ascii: "/"), let schemeEnd = uri.range(of: "://") else { return nil }
        let rest = uri[schemeEnd.upperBound...]
        let end = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        return (uri[..<schemeEnd.lowerBound].lowercased(), rest[..<end].lowercased())
    }

    /// `authority` (lower case) without the scheme's default port (RFC 9110 §4.2.3: `:80`
    /// for `http`, `:443` for `https`, or an empty port) and without one trailing dot of the
    /// host name, so equivalent spellings compare equal.
    static func canonicalAuthority(_ authority: String, scheme: String) -> String {
        var host = Substring(authority)
        var port = ""
        if let colon = authority.lastIndex(of: ":"), !authority[colon...].utf8.contains(UInt8(ascii: "]")) {
            host = authority[..<colon]
            port = String(authority[authority.index(after: colon)...])
        }
        if port == (scheme == "https" ? "443" : "80") { port = "" }
        if host.hasSuffix(".") && host.count > 1 { host = host.dropLast() }
        return port.isEmpty ? String(host) : "\(host):\(port)"
    }

    // MARK: Framing (RFC 9112 §6)

    private func bodyFraming(_ head: HTTPRequestHead) -> Verdict {
        let encodings = head.headers["Transfer-Encoding"]
        if !encodings.isEmpty {
            if head.version.major == 1 && head.version.minor == 0 {
                return .deny(Denial(status: 400, reason: .invalidRequest,
                                       description: "Transfer-Encoding in an HTTP/1.0 request (RFC 9112 §6.1)"))
            }
            let codings = encodings.flatMap { $0.utf8.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false) }
                .map { String(decoding: ASCII.trimmingOWS($0), as: UTF8.self) }
            guard codings.count == 1, ASCII.equalsIgnoringCase(codings[0], "chunked") else {
                return .deny(Denial(status: 501, reason: .unsupportedTransferCoding,
                                       description: "only the chunked transfer coding is supported (RFC 9112 §6.1)"))
            }
            return .accept(.chunked)
        }
        let lengths = head.headers["Content-Length"]
        guard !lengths.isEmpty else { return .accept(.none) }
        guard lengths.count == 1, let length = Self.contentLength(lengths[0]) else {
            return .deny(Denial(status: 400, reason: .invalidRequest, description: "Content-Length is not one decimal number"))
        }
        return .accept(length == 0 ? .none : .length(length))
    }

    /// `Content-Length = 1*DIGIT` (RFC 9110 §8.6) after removing SP/HTAB around the value
    /// (RFC 9110 §5.5); `nil` for anything else or a value beyond `Int`.
    static func contentLength(_ value: String) -> Int? {
        let trimmed = ASCII.trimmingOWS(value.utf8)
        guard !trimmed.isEmpty, trimmed.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int(String(decoding: trimmed, as: UTF8.self))
    }

    // MARK: Method and URL overrides

    /// Whether `name` is one of ``overrideHeaders`` in any case or `_` spelling. Every header
    /// of every request passes here: the length rules out nearly all, then an in-place compare.
    private static func isOverrideHeader(_ name: String) -> Bool {
        let count = name.utf8.count
        guard count >= 13 && count <= 22 else { return false }
        return overrideHeaders.contains { equalsHeaderName(name, $0) }
    }

    /// Whether `name` is `normalised` (lower case, `-`) ignoring ASCII case and reading `_` as `-`.
    static func equalsHeaderName(_ name: String, _ normalised: String) -> Bool {
        guard name.utf8.count == normalised.utf8.count else { return false }
        return zip(name.utf8, normalised.utf8).allSatisfy { byte, expected in
            let lower = byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte
            return (lower == UInt8(ascii: "_") ? UInt8(ascii: "-") : lower) == expected
        }
    }

    /// `_method` as backends' parsers read pair names (see ``QueryParameterName``).
    private static let methodParameter = QueryParameterName("_method")

    /// Whether the query has a parameter a backend may read as `_method`: any case, `&` or
    /// `;` separated, percent-escapes decoded, PHP's `.`/space/`[` spellings (`.method`,
    /// `[method`).
    static func hasMethodParameter(_ uri: String) -> Bool {
        guard let question = uri.utf8.firstIndex(of: UInt8(ascii: "?")) else { return false }
        let query = uri[uri.index(after: question)...]
        for pair in query.split(whereSeparator: { $0 == "&" || $0 == ";" }) {
            let name = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)[0]
            if methodParameter.isReading(of: name) { return true }
        }
        return false
    }
}
