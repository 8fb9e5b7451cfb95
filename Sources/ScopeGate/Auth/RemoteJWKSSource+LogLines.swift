/// The one-line log texts of ``RemoteJWKSSource``; the wiring turns them into log events.
extension RemoteJWKSSource {
    /// Whether the usable or skipped keys differ, so a reload is worth a line.
    static func changed(from old: VerificationKeySet?, to new: VerificationKeySet) -> Bool {
        guard let old else { return true }
        return old.keys.map(\.keyID) != new.keys.map(\.keyID) || old.skipped != new.skipped
    }

    /// `JWKS loaded from <url>: 2 key(s) ["a", "b"]; skipped keys[0] (kid "s"): ...; next refresh in 600 s`.
    static func loadedLine(_ keySet: VerificationKeySet, url: String, refreshSeconds: Int) -> String {
        let kids = keySet.keys.map { $0.keyID.map(TokenRejection.quoted) ?? "(no kid)" }.joined(separator: ", ")
        var line = "JWKS loaded from \(url): \(keySet.keys.count) key(s) [\(kids)]"
        if !keySet.skipped.isEmpty {
            line += "; skipped " + keySet.skipped.map(\.description).joined(separator: "; ")
        }
        if keySet.keys.isEmpty { line += "; no usable key: every token of this issuer is refused" }
        return line + "; next refresh in \(refreshSeconds) s"
    }

    /// `JWKS refresh failed [<code>]: <error>; keeping the 2 key(s) loaded before; retry in 10 s`.
    static func failureLine(_ error: RemoteJWKSError, kept: VerificationKeySet?, retrySeconds: Int) -> String {
        let keeping = kept.map { "keeping the \($0.keys.count) key(s) loaded before" }
            ?? "no keys loaded yet, tokens are rejected"
        return "JWKS refresh failed [\(error.code)]: \(error); \(keeping); retry in \(retrySeconds) s"
    }
}
