import Foundation

/// What one example config in `examples/` must do with tokens shaped like its provider's.
///
/// Each token is the provider's JOSE header and claims, decoded, as the provider's own
/// documentation describes them (the sources are listed in `examples/README.md`), with
/// placeholder tenants and IDs that match the example config. The tests sign them with a
/// local test key published under the provider's `kid` values.
struct ProviderExample: Sendable {
    /// An access token the provider issues for our API: allowed on `allowed`, 403
    /// `insufficient_scope` on `forbidden`; `clientID` is what the decision reports as its client.
    struct Access: Sendable {
        var name: String
        var token: ProviderToken
        var allowed: ProviderRequest
        var forbidden: ProviderRequest
        var clientID: String
    }

    /// A token of the same provider that is not an access token for our API: 401 with `reason`.
    struct Refusal: Sendable {
        var name: String
        var token: ProviderToken
        var reason: String
    }

    /// The folder under `examples/`.
    var folder: String
    var accessTokens: [Access]
    var refusals: [Refusal]

    /// Every `kid` the tokens name: the test JWKS publishes the test key under each.
    var keyIDs: [String] {
        let tokens = accessTokens.map(\.token) + refusals.map(\.token)
        return Array(Set(tokens.compactMap { $0.header["kid"] as? String })).sorted()
    }

    /// The folders of `examples/` that hold a gateway config, each with a row in ``named(_:)``.
    static let folders = ["auth0", "okta", "entra-id-v2", "entra-id-v1", "keycloak", "cognito", "google"]

    static func named(_ folder: String) -> ProviderExample {
        switch folder {
        case "auth0": return auth0
        case "okta": return okta
        case "entra-id-v2": return entraV2
        case "entra-id-v1": return entraV1
        case "keycloak": return keycloak
        case "cognito": return cognito
        case "google": return google
        default: fatalError("no token shapes for examples/\(folder)")
        }
    }

    /// The instant the tests decide at (2027-01-15T08:00:00Z); tokens were issued two minutes before.
    static let now = 1_800_000_000
    static let issuedAt = now - 120
}

/// A token's JOSE header and claims, decoded.
struct ProviderToken: Sendable {
    var header: [String: any Sendable]
    var claims: [String: any Sendable]
}

/// A request line: method and target.
struct ProviderRequest: Sendable, CustomStringConvertible {
    var method: String
    var target: String
    var description: String { "\(method) \(target)" }

    static func get(_ target: String) -> ProviderRequest { ProviderRequest(method: "GET", target: target) }
    static func post(_ target: String) -> ProviderRequest { ProviderRequest(method: "POST", target: target) }
}
