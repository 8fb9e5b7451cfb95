extension StaticKeySource {
    /// Loads the key set `api.jwks` names, once, for the algorithms `api.algorithms` allows.
    /// - Throws: ``KeySetLoadError`` when the file is unreadable, not a JWKS, or holds no usable key.
    public static func load(_ api: APIConfig) async throws(KeySetLoadError) -> StaticKeySource {
        switch api.jwks {
        case .file(let path):
            return StaticKeySource(try await VerificationKeySet.load(fileAt: path, allowed: api.algorithms))
        }
    }
}
