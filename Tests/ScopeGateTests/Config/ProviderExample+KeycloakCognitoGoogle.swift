/// Keycloak, Amazon Cognito and Google tokens, shaped as their documentation and sources show them.
extension ProviderExample {
    private static let t = issuedAt

    // MARK: Keycloak (examples/keycloak)

    private static let realm = "https://sso.example.com/realms/clinic"
    private static let keycloakKeyID = "9Kx3vQ7mT1zR5wB8nL2cY6hD0fJ4gS7pA3eU1oI5k2M"
    private static let keycloakUser = "5d2c8a1e-3f4b-4c7d-9e0a-1b2c3d4e5f60"

    /// Keycloak: header `typ: JWT`; the payload's own `typ` claim says what the token is
    /// (`Bearer` for access tokens, `ID` for ID tokens); the client in `azp`; realm roles in
    /// `realm_access.roles`; `aud` holds `clinic-api` only because the realm adds it with an
    /// Audience mapper (without one it is `account` or absent). An ID token's `aud` and `azp` are the client.
    static let keycloak = ProviderExample(
        folder: "keycloak",
        accessTokens: [
            Access(
                name: "receptionist signed in to the patient portal",
                token: ProviderToken(
                    header: ["alg": "RS256", "typ": "JWT", "kid": keycloakKeyID],
                    claims: [
                        "exp": t + 300, "iat": t, "auth_time": t - 20, "jti": "0c9d8e7f-6a5b-4c3d-2e1f-0a9b8c7d6e5f",
                        "iss": realm, "aud": ["clinic-api", "account"], "sub": keycloakUser, "typ": "Bearer",
                        "azp": "patient-portal", "sid": "7e6d5c4b-3a29-4187-9f6e-5d4c3b2a1908", "acr": "1",
                        "allowed-origins": ["https://portal.example.com"],
                        "realm_access": ["roles": ["receptionist", "offline_access", "uma_authorization", "default-roles-clinic"]],
                        "resource_access": ["account": ["roles": ["manage-account", "view-profile"]]],
                        "scope": "openid profile email", "email_verified": true, "name": "Jane Doe",
                        "preferred_username": "jane", "given_name": "Jane", "family_name": "Doe", "email": "jane@clinic.example",
                    ]),
                allowed: .get("/appointments/42"), forbidden: .get("/patients/7"), clientID: "patient-portal"),
        ],
        refusals: [
            Refusal(
                name: "ID token of the patient portal",
                token: ProviderToken(
                    header: ["alg": "RS256", "typ": "JWT", "kid": keycloakKeyID],
                    claims: [
                        "exp": t + 300, "iat": t, "auth_time": t - 20, "jti": "1d0e9f8a-7b6c-4d5e-3f2a-1b0c9d8e7f6a",
                        "iss": realm, "aud": "patient-portal", "sub": keycloakUser, "typ": "ID", "azp": "patient-portal",
                        "nonce": "c3Hq8Zr", "sid": "7e6d5c4b-3a29-4187-9f6e-5d4c3b2a1908", "at_hash": "Mz4Rx8Tq1Vn5Kb9Lc2Wp7g",
                        "acr": "1", "email_verified": true, "name": "Jane Doe", "preferred_username": "jane",
                        "email": "jane@clinic.example",
                    ]),
                reason: "invalid_audience"),
            Refusal(
                name: "ID token of the patient portal, the Audience mapper also adding to ID tokens",
                token: ProviderToken(
                    header: ["alg": "RS256", "typ": "JWT", "kid": keycloakKeyID],
                    claims: [
                        "exp": t + 300, "iat": t, "auth_time": t - 20, "jti": "2e1f0a9b-8c7d-4e6f-5a4b-3c2d1e0f9a8b",
                        "iss": realm, "aud": ["patient-portal", "clinic-api"], "sub": keycloakUser, "typ": "ID",
                        "azp": "patient-portal", "sid": "7e6d5c4b-3a29-4187-9f6e-5d4c3b2a1908",
                        "at_hash": "Pw6Kz1Xr9Tm3Vb7Nc5Lq0h", "acr": "1", "preferred_username": "jane",
                    ]),
                reason: "invalid_claim"),
        ])

    // MARK: Amazon Cognito (examples/cognito)

    private static let pool = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123"
    /// Cognito signs access tokens and ID tokens with different keys of the pool's JWKS.
    private static let cognitoAccessKeyID = "Xm9pL3aCc5sK7yZ1+qW4eR8tY2uI6oP0aS3dF5gH7jK="
    private static let cognitoIDKeyID = "Yq2wE4rT6yU8iO0p/aS1dF3gH5jK7lZ9xC2vB4nM6Q0="
    private static let cognitoUser = "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111"

    /// Amazon Cognito user pool: header `kid` and `alg` only; access tokens have no `aud`, the
    /// app client in `client_id`, `token_use: access` and custom scopes named
    /// `resource-server/scope`; ID tokens have `aud` (the app client), `token_use: id` and no `client_id`.
    static let cognito = ProviderExample(
        folder: "cognito",
        accessTokens: [
            Access(
                name: "user signed in to the clinic web app (managed login, custom scope)",
                token: ProviderToken(
                    header: ["kid": cognitoAccessKeyID, "alg": "RS256"],
                    claims: [
                        "sub": cognitoUser, "cognito:groups": ["receptionists"], "iss": pool, "version": 2,
                        "client_id": "5example0clinic0web0client", "origin_jti": "b2c3d4e5-6789-01bc-def0-EXAMPLE22222",
                        "event_id": "c3d4e5f6-7890-12cd-ef01-EXAMPLE33333", "token_use": "access",
                        "scope": "openid clinic-api/appointments.read", "auth_time": t - 15, "exp": t + 3600, "iat": t,
                        "jti": "d4e5f6a7-8901-23de-f012-EXAMPLE44444", "username": "jane.doe",
                    ]),
                allowed: .get("/appointments/42"), forbidden: .get("/patients/7"),
                clientID: "5example0clinic0web0client"),
            Access(
                name: "client credentials: the nightly job",
                token: ProviderToken(
                    header: ["kid": cognitoAccessKeyID, "alg": "RS256"],
                    claims: [
                        "sub": "5example0nightly0job0client", "token_use": "access",
                        "scope": "clinic-api/appointments.read clinic-api/appointments.write", "auth_time": t,
                        "iss": pool, "exp": t + 3600, "iat": t, "version": 2,
                        "jti": "e5f6a7b8-9012-34ef-0123-EXAMPLE55555", "client_id": "5example0nightly0job0client",
                    ]),
                allowed: .post("/appointments"), forbidden: .get("/patients/7"), clientID: "5example0nightly0job0client"),
        ],
        refusals: [
            Refusal(
                name: "ID token of the same sign-in",
                token: ProviderToken(
                    header: ["kid": cognitoIDKeyID, "alg": "RS256"],
                    claims: [
                        "sub": cognitoUser, "email_verified": true, "iss": pool, "cognito:username": "jane.doe",
                        "origin_jti": "b2c3d4e5-6789-01bc-def0-EXAMPLE22222", "aud": "5example0clinic0web0client",
                        "event_id": "c3d4e5f6-7890-12cd-ef01-EXAMPLE33333", "token_use": "id", "auth_time": t - 15,
                        "exp": t + 3600, "iat": t, "jti": "f6a7b8c9-0123-45f0-1234-EXAMPLE66666", "email": "jane@clinic.example",
                    ]),
                reason: "client_not_allowed"),
            Refusal(
                name: "access token of another app client of the same pool",
                token: ProviderToken(
                    header: ["kid": cognitoAccessKeyID, "alg": "RS256"],
                    claims: [
                        "sub": cognitoUser, "iss": pool, "version": 2, "client_id": "3example0marketing0client",
                        "origin_jti": "a7b8c9d0-1234-56a1-2345-EXAMPLE77777", "event_id": "b8c9d0e1-2345-67b2-3456-EXAMPLE88888",
                        "token_use": "access", "scope": "openid clinic-api/appointments.read", "auth_time": t - 15,
                        "exp": t + 3600, "iat": t, "jti": "c9d0e1f2-3456-78c3-4567-EXAMPLE99999", "username": "jane.doe",
                    ]),
                reason: "client_not_allowed"),
        ])

    // MARK: Google (examples/google)

    private static let googleKeyID = "a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6"

    /// Google: OAuth access tokens are opaque, so the JWT bearer is a Google-signed ID token that
    /// a service account fetched for our API's URL (metadata server, `gcloud auth
    /// print-identity-token`, IAM `generateIdToken` with the email included): `aud` our URL,
    /// `azp` and `sub` the service account's unique ID, `email`. A user's sign-in ID token has
    /// the OAuth client ID as `aud`.
    static let google = ProviderExample(
        folder: "google",
        accessTokens: [
            Access(
                name: "service-to-service: the scheduler service account",
                token: ProviderToken(
                    header: ["alg": "RS256", "kid": googleKeyID, "typ": "JWT"],
                    claims: [
                        "aud": "https://api.example.com", "azp": "104729853516428195635",
                        "email": "scheduler@clinic-prod.iam.gserviceaccount.com", "email_verified": true,
                        "exp": t + 3600, "iat": t, "iss": "https://accounts.google.com", "sub": "104729853516428195635",
                    ]),
                allowed: .get("/appointments/42"), forbidden: .get("/patients/7"), clientID: "104729853516428195635"),
        ],
        refusals: [
            Refusal(
                name: "a user's Sign in with Google ID token (aud is an OAuth client ID)",
                token: ProviderToken(
                    header: ["alg": "RS256", "kid": googleKeyID, "typ": "JWT"],
                    claims: [
                        "iss": "https://accounts.google.com", "azp": "1234567890-abc123def456ghi789.apps.googleusercontent.com",
                        "aud": "1234567890-abc123def456ghi789.apps.googleusercontent.com", "sub": "110169484474386276334",
                        "email": "jane@clinic.example", "email_verified": true, "hd": "clinic.example",
                        "at_hash": "Rt5Wq2Zx8Kv1Lm4Nb7Pc0g", "name": "Jane Doe", "iat": t, "exp": t + 3600,
                    ]),
                reason: "invalid_audience"),
            Refusal(
                name: "the scheduler's ID token for another Cloud Run service",
                token: ProviderToken(
                    header: ["alg": "RS256", "kid": googleKeyID, "typ": "JWT"],
                    claims: [
                        "aud": "https://billing-5xq2abcdqa-ew.a.run.app", "azp": "104729853516428195635",
                        "email": "scheduler@clinic-prod.iam.gserviceaccount.com", "email_verified": true,
                        "exp": t + 3600, "iat": t, "iss": "https://accounts.google.com", "sub": "104729853516428195635",
                    ]),
                reason: "invalid_audience"),
            Refusal(
                name: "the scheduler's ID token for our API, fetched without its email",
                token: ProviderToken(
                    header: ["alg": "RS256", "kid": googleKeyID, "typ": "JWT"],
                    claims: [
                        "aud": "https://api.example.com", "azp": "104729853516428195635", "exp": t + 3600, "iat": t,
                        "iss": "https://accounts.google.com", "sub": "104729853516428195635",
                    ]),
                reason: "missing_claim"),
        ])
}
