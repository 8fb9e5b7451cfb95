import ScopeGateCore
/// Hop-by-hop header fields, which a proxy must not forward (RFC 9110 §7.6.1).
///
/// Removed: `Connection` itself, every field it names (comma-separated, case-insensitive),
/// and the fields that are hop-by-hop by definition even when a sender forgets to list them
/// in `Connection`: `Keep-Alive`, `Proxy-Connection` (pre-standard, still sent by clients),
/// `TE` (RFC 9110 §10.1.4), `Trailer`, `Transfer-Encoding` (RFC 9112 §6.1) and `Upgrade`
/// (RFC 9110 §7.8). `Proxy-Authenticate` and `Proxy-Authorization` are left to the caller's
/// own policy, as RFC 9110 §11.7 no longer lists them as hop-by-hop (``UpstreamHeaders``
/// drops `Proxy-Authorization`).
public enum HopByHopHeaders {
    /// Lower-cased names that are always hop-by-hop.
    public static let alwaysRemoved: [String] = [
        "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
    ]

    /// Returns `headers` without the hop-by-hop fields, keeping the order of the rest.
    ///
    /// Runs for every request and response: `headers` comes back as it is when it has no
    /// hop-by-hop field, and the names `Connection` lists are compared in place,
    /// case-insensitively, so nothing is lower-cased or hashed.
    public static func removing(from headers: [(name: String, value: String)]) -> [(name: String, value: String)] {
        guard headers.contains(where: { isAlwaysRemoved($0.name) }) else { return headers }
        var nominated: [Substring] = []
        for header in headers where ASCII.equalsIgnoringCase(header.name, "connection") {
            for option in header.value.split(separator: ",") {
                let token = Substring(ASCII.trimmingOWS(option.utf8))
                if !token.isEmpty { nominated.append(token) }
            }
        }
        var kept: [(name: String, value: String)] = []
        kept.reserveCapacity(headers.count)
        for header in headers where !isAlwaysRemoved(header.name) {
            if nominated.contains(where: { ASCII.equalsFoldingCase(header.name, $0) }) { continue }
            kept.append(header)
        }
        return kept
    }

    /// ``alwaysRemoved`` membership without lower-casing (this runs for every header of every
    /// request): a length comparison rules out nearly every name.
    static func isAlwaysRemoved(_ name: String) -> Bool {
        let count = name.utf8.count
        return alwaysRemoved.contains { $0.utf8.count == count && ASCII.equalsIgnoringCase(name, $0) }
    }
}
