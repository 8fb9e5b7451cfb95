import Foundation
import ScopeGateCore

/// An issuer's JWK Set with no usable key, as one log line:
/// `{"event":"jwks_no_usable_key","issuer":...,"path":"api.issuers[0].jwks.file","source":<file or URL>,
/// "skipped":["keys[0] (kid \"x\"): kty \"OKP\" ..."],"hmac_secrets":false,"message":...}`.
///
/// Written by `serve` when such a set goes live: a JWKS file, when the configuration
/// generation holding it starts serving; a fetched JWKS, when a fetch replaces the set with it.
package enum KeySetEvent {
    package static func noUsableKey(_ warning: KeySetWarning, time: Date) -> String {
        var json = JSONLine.event("jwks_no_usable_key", at: time)
        json.add("issuer", warning.issuer)
        json.add("path", warning.path)
        json.add("source", warning.location)
        json.add("skipped", warning.skipped.map(\.description))
        json.add("hmac_secrets", warning.hasHMACSecrets)
        json.add("message", warning.message)
        return json.finish()
    }
}
