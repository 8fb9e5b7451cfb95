/// RFC 6749 §3.3 scope syntax, the one rule for a route's scopes in `gateway.json` and for
/// the scopes a token grants:
///
///     scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
///
/// ASCII only, so two scope-tokens are equal exactly when their bytes are.
package enum ScopeToken {
    /// Whether `bytes` (UTF-8) form one scope-token.
    package static func isValid(_ bytes: some Collection<UInt8>) -> Bool {
        !bytes.isEmpty && bytes.allSatisfy { $0 == 0x21 || (0x23...0x5B).contains($0) || (0x5D...0x7E).contains($0) }
    }
}
