import ScopeGateCore
extension UpstreamTLS {
    /// The URL and TLS options of one attempt on `instance` (`scheme://host[:port]`).
    ///
    /// With a `server_name`, the URL carries that name (so libcurl sends it in SNI, verifies
    /// the certificate against it and sends it as `Host`) and `CURLOPT_CONNECT_TO` sends the
    /// connection to the instance's own address: `https://10.0.0.1:8443` with server name
    /// `api.internal` gives `https://api.internal:8443/path` connecting to `10.0.0.1:8443`.
    package static func attempt(instance: String, pathAndQuery: String, tls: BackendTLSConfig?) -> (url: String, tls: UpstreamTLS?) {
        guard let tls else { return (instance + pathAndQuery, nil) }
        var options = UpstreamTLS(caFile: tls.caFile, clientCertificate: tls.clientCertificate, clientKey: tls.clientKey)
        guard let serverName = tls.serverName, let schemeEnd = instance.range(of: "://") else {
            return (instance + pathAndQuery, options)
        }
        let scheme = instance[..<schemeEnd.lowerBound]
        let authority = instance[schemeEnd.upperBound...]
        // The port follows the last `:` after the host (an IPv6 literal is in brackets).
        let hostEnd = authority.lastIndex(of: "]").map { authority.index(after: $0) } ?? authority.startIndex
        let port = authority[hostEnd...].lastIndex(of: ":").map { String(authority[authority.index(after: $0)...]) }
        let host = port == nil ? authority : authority[..<authority[hostEnd...].lastIndex(of: ":")!]
        let defaultPort = scheme == "https" ? "443" : "80"
        options.connectTo = "\(host):\(port ?? defaultPort)"
        let url = "\(scheme)://\(serverName)" + (port.map { ":\($0)" } ?? "") + pathAndQuery
        return (url, options)
    }
}
