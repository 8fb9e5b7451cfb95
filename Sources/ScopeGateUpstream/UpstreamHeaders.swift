import Foundation
import ScopeGateCore

/// Builds the header list a forwarded request carries, in this order:
/// 1. the client's headers less hop-by-hop ones (RFC 9110 §7.6.1, including every name in
///    `Connection`), less `Host`, `Content-Length` and `Expect` (the gateway frames the
///    request itself), less `Proxy-Authorization` (credentials for a proxy, RFC 9110 §11.7.2;
///    the gateway checks none, so they are not passed on);
/// 2. less every header the gateway sets (`X-Forwarded-*`, `Forwarded`, the request ID
///    header, the claim headers), matched case-insensitively and in their `_` spelling,
///    so a client can neither forge nor, through `Connection`, delete them;
/// 3. less the token header on a `public` method or a route with `forward_authorization: false`,
///    and less the headers a proxy in front of a backend vouches for, unless the connection
///    comes from a trusted proxy: every other `X-Forwarded-*` (`-Port`, `-Prefix`, `-User`,
///    `-Client-Cert`, ...), `X-Envoy-*`, client-address headers (`X-Real-IP`,
///    `True-Client-IP`, `Client-IP`, ...), identity headers (`Remote-User`, `X-Remote-User`,
///    `X-Auth-Request-*` of oauth2-proxy, `X-SSL-Client-*`) and `X-Original-URI`; see
///    ``proxyVouchedHeaders``. The gateway vouches for the client's address in
///    `X-Forwarded-For` and for the caller in its claim headers only;
/// 4. plus the gateway's own: `X-Forwarded-For` (the client's address, appended to the
///    incoming list only when the connection comes from a trusted proxy), `X-Forwarded-Proto`,
///    `X-Forwarded-Host`, optionally `Forwarded` (RFC 7239), the request ID and the claim
///    headers of the decision (``Allowance/claimHeaders``).
///
/// (`@_spi(Fuzzing)`: the `Fuzz/` package's request-head target builds the forwarded headers.)
@_spi(Fuzzing) public struct UpstreamHeaders: Sendable {
    private let forwarding: ForwardingConfig
    private let trustedProxies: [AddressBlock]
    private let tokenHeader: String
    /// Normalised names (lower case, `_` as `-`) the gateway owns.
    private let gatewayOwned: Set<String>
    /// Normalised names that only a trusted proxy may pass on: what backends behind common
    /// proxies trust as the client's address, identity or original request.
    static let proxyVouchedHeaders: Set<String> = [
        "x-real-ip", "true-client-ip", "x-client-ip", "x-cluster-client-ip", "cf-connecting-ip", "fastly-client-ip",
        "client-ip", "forwarded-for", "x-forwarded", "x-originating-ip", "x-remote-ip", "x-remote-addr", "x-proxyuser-ip",
        "remote-user", "x-remote-user", "x-authenticated-user", "x-original-uri",
        "x-client-cert", "ssl-client-cert",
    ]
    /// Normalised name prefixes that only a trusted proxy may pass on.
    static let proxyVouchedPrefixes: [String] = ["x-forwarded-", "x-envoy-", "x-auth-request-", "x-ssl-client-"]

    /// Whether the normalised `name` is one only a trusted proxy may pass on.
    static func isProxyVouched(_ name: String) -> Bool {
        proxyVouchedHeaders.contains(name) || proxyVouchedPrefixes.contains { name.utf8.starts(with: $0.utf8) }
    }
    @_spi(Fuzzing) public init(forwarding: ForwardingConfig, tokenHeader: String) {
        self.forwarding = forwarding
        self.trustedProxies = forwarding.trustedProxies.compactMap(AddressBlock.init)
        self.tokenHeader = Self.normalise(tokenHeader)
        var owned: Set<String> = ["x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "forwarded"]
        owned.insert(Self.normalise(forwarding.requestIDHeader))
        for header in forwarding.claimHeaders.values { owned.insert(Self.normalise(header)) }
        self.gatewayOwned = owned
    }

    /// The headers for the backend. Total: it drops nothing the decision allowed.
    ///
    /// The claim headers are the decision's (``Allowance/claimHeaders``), copied as they are:
    /// the policy built them once from the verified token, in configured order, and denied the
    /// request (401 `invalid_claim`) if one could not be sent (``ClaimHeaderMapping``).
    @_spi(Fuzzing) public func headers(from client: [(name: String, value: String)], clientAddress: String?, requestID: String,
                 allowance: Allowance) -> [(name: String, value: String)] {
        let fromTrustedProxy = clientAddress.map { address in trustedProxies.contains { $0.contains(address) } } ?? false
        let dropToken = !allowance.forwardsTokenHeader
        var incoming: [String: [String]] = [:]   // gateway-owned values kept from a trusted proxy
        var result: [(name: String, value: String)] = []
        result.reserveCapacity(client.count + 5 + allowance.claimHeaders.count)
        for header in HopByHopHeaders.removing(from: client) {
            let name = Self.normalise(header.name)
            if UpstreamRequest.isFramingHeader(name) || name == "proxy-authorization" { continue }
            if gatewayOwned.contains(name) {
                if fromTrustedProxy { incoming[name, default: []].append(header.value) }
                continue
            }
            if dropToken && name == tokenHeader { continue }
            if !fromTrustedProxy && Self.isProxyVouched(name) { continue }
            result.append(header)
        }

        let host = client.first { ASCII.equalsIgnoringCase($0.name, "host") }?.value
        let peer = clientAddress ?? "unknown"
        if let kept = incoming["x-forwarded-for"] {
            result.append(("X-Forwarded-For", (kept + [peer]).joined(separator: ", ")))
        } else {
            result.append(("X-Forwarded-For", peer))
        }
        result.append(("X-Forwarded-Proto", incoming["x-forwarded-proto"]?.last ?? "http"))
        if let forwardedHost = incoming["x-forwarded-host"]?.last ?? host {
            result.append(("X-Forwarded-Host", forwardedHost))
        }
        if forwarding.forwardedHeader {
            var element = "for=\(Self.forwardedNode(peer));proto=http"
            if let host { element += ";host=\(Self.quoted(host))" }
            result.append(("Forwarded", ((incoming["forwarded"] ?? []) + [element]).joined(separator: ", ")))
        }
        result.append((forwarding.requestIDHeader, requestID))
        for header in allowance.claimHeaders {
            result.append((header.name, header.value))
        }
        return result
    }

    /// Lower case, `_` as `-`; built in place (no intermediate array: this runs for every
    /// header of every request).
    private static func normalise(_ name: String) -> String {
        var name = name
        return name.withUTF8 { bytes in
            String(unsafeUninitializedCapacity: bytes.count) { output in
                for index in 0..<bytes.count {
                    let byte = bytes[index]
                    output[index] = byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : (byte == UInt8(ascii: "_") ? UInt8(ascii: "-") : byte)
                }
                return bytes.count
            }
        }
    }

    /// RFC 7239 §6 node: IPv6 addresses quoted in brackets.
    private static func forwardedNode(_ address: String) -> String {
        address.utf8.contains(UInt8(ascii: ":")) ? "\"[\(address)]\"" : address
    }

    private static func quoted(_ value: String) -> String {
        "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
