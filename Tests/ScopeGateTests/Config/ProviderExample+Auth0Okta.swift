/// Auth0 and Okta tokens, shaped as their documentation shows them.
extension ProviderExample {
    private static let t = issuedAt

    // MARK: Auth0 (examples/auth0)

    private static let auth0Issuer = "https://your-tenant.eu.auth0.com/"
    private static let auth0Client = "Xq1dZ8yW3vU6tS9rP2oN5mL4kJ7hG0fE"
    private static let auth0KeyID = "XhQ3c9R2mS0vT7wZ1yB4n"

    /// Auth0: the default "Auth0 profile" (header `typ: JWT`, client in `azp`) and the RFC 9068
    /// profile (`typ: at+jwt`, `client_id`, `jti`), both with RBAC's `permissions` array beside
    /// `scope`; `aud` lists the API identifier and, when `openid` was asked for, `/userinfo`.
    /// The ID token's `aud` is the application's client ID.
    static let auth0 = ProviderExample(
        folder: "auth0",
        accessTokens: [
            Access(
                name: "Auth0 profile, user signed in to the web app (access_token_authz dialect)",
                token: ProviderToken(
                    header: ["alg": "RS256", "typ": "JWT", "kid": auth0KeyID],
                    claims: [
                        "iss": auth0Issuer, "sub": "auth0|64f1c2a9e8b7d6c5a4f3e2d1",
                        "aud": ["https://api.example.com", "https://your-tenant.eu.auth0.com/userinfo"],
                        "iat": t, "exp": t + 86400, "azp": auth0Client,
                        "scope": "openid profile email read:appointments", "permissions": ["read:appointments"],
                    ]),
                allowed: .get("/appointments/42"), forbidden: .get("/patients/7"), clientID: auth0Client),
            Access(
                name: "RFC 9068 profile, machine-to-machine (rfc9068_profile_authz dialect)",
                token: ProviderToken(
                    header: ["alg": "RS256", "typ": "at+jwt", "kid": auth0KeyID],
                    claims: [
                        "iss": auth0Issuer, "sub": "Kp7mN2bV9cX4zL1qW8eR5tY3uI6oA0sD@clients",
                        "aud": "https://api.example.com", "client_id": "Kp7mN2bV9cX4zL1qW8eR5tY3uI6oA0sD",
                        "iat": t, "exp": t + 86400, "jti": "Rk4TnW8pZ2cV6xB0mQ9sLd",
                        "scope": "read:appointments write:appointments",
                        "permissions": ["read:appointments", "write:appointments"],
                    ]),
                allowed: .post("/appointments"), forbidden: .get("/patients/7"),
                clientID: "Kp7mN2bV9cX4zL1qW8eR5tY3uI6oA0sD"),
        ],
        refusals: [
            Refusal(
                name: "ID token of the web app",
                token: ProviderToken(
                    header: ["alg": "RS256", "typ": "JWT", "kid": auth0KeyID],
                    claims: [
                        "iss": auth0Issuer, "sub": "auth0|64f1c2a9e8b7d6c5a4f3e2d1", "aud": auth0Client,
                        "iat": t, "exp": t + 36000, "nonce": "n-0S6_WzA2Mj", "sid": "Gx2lmZ7dK1pQ9sLx",
                        "name": "Jane Doe", "nickname": "jane", "email": "jane@example.com", "email_verified": true,
                        "updated_at": "2027-01-15T07:58:00.000Z",
                    ]),
                reason: "invalid_audience"),
        ])

    // MARK: Okta (examples/okta)

    private static let oktaIssuer = "https://your-org.okta.com/oauth2/default"
    private static let oktaClient = "0oa1b2c3d4EXAMPLE5d7"
    private static let oktaKeyID = "pzH4lB3mN7qR1sT5vX9yZ2aC6dE8fG0hJ3kL5mN7pQ9"

    /// Okta custom authorization server (`/oauth2/default`): header without `typ`, `ver: 1`,
    /// client in `cid`, user in `uid`, scopes as a JSON array in `scp`, `aud` the server's
    /// audience (`api://default` by default). The ID token's `aud` is the client ID and it has no `cid`.
    static let okta = ProviderExample(
        folder: "okta",
        accessTokens: [
            Access(
                name: "authorization code flow, user signed in",
                token: ProviderToken(
                    header: ["kid": oktaKeyID, "alg": "RS256"],
                    claims: [
                        "ver": 1, "jti": "AT.6rVnL0kP3xT9qWm2ZbYcH5dJ8fN1gR4sU7vA0eX", "iss": oktaIssuer,
                        "aud": "api://default", "iat": t, "exp": t + 3600, "cid": oktaClient,
                        "uid": "00u1a2b3c4EXAMPLE5d7", "scp": ["openid", "profile", "appointments:read"],
                        "auth_time": t - 30, "sub": "jane.doe@example.com",
                    ]),
                allowed: .get("/appointments/42"), forbidden: .get("/patients/7"), clientID: oktaClient),
        ],
        refusals: [
            Refusal(
                name: "ID token of the same sign-in",
                token: ProviderToken(
                    header: ["kid": oktaKeyID, "alg": "RS256"],
                    claims: [
                        "sub": "00u1a2b3c4EXAMPLE5d7", "name": "Jane Doe", "email": "jane.doe@example.com", "ver": 1,
                        "iss": oktaIssuer, "aud": oktaClient, "iat": t, "exp": t + 3600,
                        "jti": "ID.Hw3kT9mQ2vX7bN5cZ1pL8rS4dF6gJ0yA3eU9oI2", "amr": ["pwd"],
                        "idp": "00o1a2b3c4EXAMPLE5d7", "preferred_username": "jane.doe@example.com",
                        "auth_time": t - 30, "at_hash": "Lq8Zx2Vn5Rt1Wb7Kc4Ym0g",
                    ]),
                reason: "invalid_audience"),
        ])
}
