/// The one-line log texts of ``RemoteJWKSSource``; the wiring turns them into log events.
extension RemoteJWKSSource {
    /// One line the source asks its owner to log.
    public struct LogLine: Sendable, Equatable, CustomStringConvertible {
        /// What happened.
        public enum Kind: Sendable, Equatable {
            /// A set with at least one usable key was loaded, differing from the one before.
            case loaded
            /// A set with NO usable key was loaded from `url` (it replaced the one before):
            /// every token of the issuer is refused with `unknown_kid` until it holds one.
            /// `skipped` says why each member was left out (empty for `"keys": []`).
            case noUsableKey(url: String, skipped: [SkippedKey])
            /// A fetch cycle failed; the set loaded before (if any) is kept.
            case fetchFailed
        }

        public var kind: Kind
        /// The human-readable text, as in the examples of ``loadedLine(_:)`` and ``failureLine(_:kept:retrySeconds:)``.
        public var message: String

        public var description: String { message }
    }

    /// Whether the usable or skipped keys differ, so a reload is worth a line.
    static func changed(from old: VerificationKeySet?, to new: VerificationKeySet) -> Bool {
        guard let old else { return true }
        return old.keys.map(\.keyID) != new.keys.map(\.keyID) || old.skipped != new.skipped
    }

    /// `JWKS loaded from <url>: 2 key(s) ["a", "b"]; skipped keys[0] (kid "s"): ...; next refresh in 600 s`.
    static func loadedLine(_ loaded: Loaded) -> LogLine {
        let keySet = loaded.keySet
        let kids = keySet.keys.map { $0.keyID.map(TokenRejection.quoted) ?? "(no kid)" }.joined(separator: ", ")
        var line = "JWKS loaded from \(loaded.url): \(keySet.keys.count) key(s) [\(kids)]"
        if !keySet.skipped.isEmpty {
            line += "; skipped " + keySet.skipped.map(\.description).joined(separator: "; ")
        }
        if keySet.keys.isEmpty { line += "; no usable key: every token of this issuer is refused" }
        line += "; next refresh in \(loaded.refreshSeconds) s"
        let kind: LogLine.Kind = keySet.keys.isEmpty ? .noUsableKey(url: loaded.url, skipped: keySet.skipped) : .loaded
        return LogLine(kind: kind, message: line)
    }

    /// `JWKS refresh failed [<code>]: <error>; keeping the 2 key(s) loaded before; retry in 10 s`.
    static func failureLine(_ error: RemoteJWKSError, kept: VerificationKeySet?, retrySeconds: Int) -> LogLine {
        let keeping = kept.map { "keeping the \($0.keys.count) key(s) loaded before" }
            ?? "no keys loaded yet, tokens are rejected"
        return LogLine(kind: .fetchFailed,
                       message: "JWKS refresh failed [\(error.code)]: \(error); \(keeping); retry in \(retrySeconds) s")
    }
}
