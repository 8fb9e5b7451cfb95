/// Finding the `jwks_uri` of a ``RemoteJWKSSource/Location/discovery(issuer:)`` source.
extension RemoteJWKSSource {
    /// GETs the issuer's OpenID Provider configuration and, when it is absent or unusable,
    /// its RFC 8414 authorization server metadata; returns the `jwks_uri` of the document used
    /// (see ``OpenIDDiscovery`` for the fallback rule and why a mismatch fails closed).
    ///
    /// - Throws: ``RemoteJWKSError``: the OpenID configuration's own error when it does not
    ///   allow the fallback (an `issuer` mismatch, a refused `jwks_uri`, a transport failure)
    ///   or when the issuer has no RFC 8414 URL; else `discoveryFailed` with both attempts
    ///   when the RFC 8414 document fails too, so the text names every URL tried.
    func discoverJWKSURI(issuer: String) async throws(RemoteJWKSError) -> String {
        let openIDURL = OpenIDDiscovery.configurationURL(issuer: issuer)
        let first: RemoteJWKSError
        do {
            return try await jwksURI(metadataAt: openIDURL, issuer: issuer)
        } catch {
            first = error
        }
        guard OpenIDDiscovery.fallsBackToAuthorizationServerMetadata(after: first),
            let metadataURL = OpenIDDiscovery.authorizationServerMetadataURL(issuer: issuer)
        else { throw first }
        do {
            return try await jwksURI(metadataAt: metadataURL, issuer: issuer)
        } catch {
            throw .discoveryFailed(tried: [first, error])
        }
    }

    /// GETs one metadata document and reads its `jwks_uri`.
    private func jwksURI(metadataAt url: String, issuer: String) async throws(RemoteJWKSError) -> String {
        let document = try await get(url)
        return try OpenIDDiscovery.jwksURI(fromConfiguration: document.body, url: url, expectedIssuer: issuer)
    }
}
