/// Microsoft Entra ID tokens (v2.0 and v1.0), shaped as Microsoft's access token and ID token
/// claims references describe them: header `typ: JWT` (v1.0 also `x5t`), delegated scopes in the
/// space-separated string `scp`, application permissions (and a user's app roles) in the array
/// `roles`, the client in `azp` (v2.0) or `appid` (v1.0). ID tokens carry neither `azp` nor `appid`.
extension ProviderExample {
    private static let t = issuedAt
    private static let tenant = "aaaabbbb-0000-cccc-1111-dddd2222eeee"
    /// The API's own app registration (Application (client) ID).
    private static let apiApp = "00001111-aaaa-2222-bbbb-3333cccc4444"
    /// The clinic's web app (delegated, user tokens) and the nightly job (app-only tokens).
    private static let webApp = "11112222-bbbb-3333-cccc-4444dddd5555"
    private static let nightlyJob = "22223333-cccc-4444-dddd-5555eeee6666"
    private static let user = "aaaaaaaa-0000-1111-2222-bbbbbbbbbbbb"
    private static let entraKeyID = "Xx4rGpQ7cN2mZ9vB1sK8dL5fH0w"

    // MARK: v2.0 (examples/entra-id-v2): the API's manifest says accessTokenAcceptedVersion: 2

    private static let v2Issuer = "https://login.microsoftonline.com/\(tenant)/v2.0"

    static let entraV2 = ProviderExample(
        folder: "entra-id-v2",
        accessTokens: [
            Access(
                name: "delegated: the web app calls on behalf of a signed-in user (scp)",
                token: ProviderToken(
                    header: ["typ": "JWT", "alg": "RS256", "kid": entraKeyID],
                    claims: [
                        "aud": apiApp, "iss": v2Issuer, "iat": t, "nbf": t, "exp": t + 4500,
                        "aio": "AWQAm/8ZAAAA3kTpQ", "azp": webApp, "azpacr": "0", "name": "Jane Doe", "oid": user,
                        "preferred_username": "jane@clinic.example", "rh": "0.AXoA1.", "scp": "Appointments.Read",
                        "sub": "q9Yv2Lm7Kx3Rt8Wn1Zc5Bp0Hd4Gs6Fj", "tid": tenant, "uti": "p3Lk8Vx2Qm", "ver": "2.0",
                    ]),
                allowed: .get("/appointments/42"), forbidden: .get("/patients/7"), clientID: webApp),
            Access(
                name: "app-only: the nightly job with an application permission (roles)",
                token: ProviderToken(
                    header: ["typ": "JWT", "alg": "RS256", "kid": entraKeyID],
                    claims: [
                        "aud": apiApp, "iss": v2Issuer, "iat": t, "nbf": t, "exp": t + 3599,
                        "aio": "k2BgYJgZ", "azp": nightlyJob, "azpacr": "1", "idtyp": "app",
                        "oid": "cccccccc-2222-3333-4444-dddddddddddd", "rh": "0.AXoA2.",
                        "roles": ["Appointments.ReadWrite.All"], "sub": "cccccccc-2222-3333-4444-dddddddddddd",
                        "tid": tenant, "uti": "r7Vn2Kq9Xc", "ver": "2.0",
                    ]),
                allowed: .post("/appointments"), forbidden: .get("/patients/7"), clientID: nightlyJob),
        ],
        refusals: [
            Refusal(
                name: "ID token of the web app (aud is the web app)",
                token: ProviderToken(
                    header: ["typ": "JWT", "alg": "RS256", "kid": entraKeyID],
                    claims: [
                        "aud": webApp, "iss": v2Issuer, "iat": t, "nbf": t, "exp": t + 3600, "name": "Jane Doe",
                        "nonce": "a8Fq2Zc", "oid": user, "preferred_username": "jane@clinic.example", "rh": "0.AXoA3.",
                        "sid": "00000000-aaaa-bbbb-cccc-eeeeeeeeeeee", "sub": "Wm4Tx9Pq2Vb7Kc1Zn8Lr3Hs6Dg0Fy5Ja",
                        "tid": tenant, "uti": "s5Bx8Nv1Lq", "ver": "2.0",
                    ]),
                reason: "invalid_audience"),
            Refusal(
                name: "ID token of an app registered as its own API (aud is the API, roles carry an app role)",
                token: ProviderToken(
                    header: ["typ": "JWT", "alg": "RS256", "kid": entraKeyID],
                    claims: [
                        "aud": apiApp, "iss": v2Issuer, "iat": t, "nbf": t, "exp": t + 3600, "name": "Jane Doe",
                        "oid": user, "preferred_username": "jane@clinic.example", "roles": ["Appointments.Read.All"],
                        "sub": "Hd3Lx8Qw1Vm6Zp9Kb2Tc5Rn0Fj4Gs7Ya", "tid": tenant, "uti": "t1Cz4Mw7Pk", "ver": "2.0",
                    ]),
                reason: "client_not_allowed"),
        ])

    // MARK: v1.0 (examples/entra-id-v1): the default when the API's manifest does not ask for v2

    private static let v1Issuer = "https://sts.windows.net/\(tenant)/"

    static let entraV1 = ProviderExample(
        folder: "entra-id-v1",
        accessTokens: [
            Access(
                name: "delegated, aud is the App ID URI (scp, appid)",
                token: ProviderToken(
                    header: ["typ": "JWT", "alg": "RS256", "x5t": entraKeyID, "kid": entraKeyID],
                    claims: [
                        "aud": "api://\(apiApp)", "iss": v1Issuer, "iat": t, "nbf": t, "exp": t + 4800, "acr": "1",
                        "aio": "E2ZgYDi", "amr": ["pwd", "mfa"], "appid": webApp, "appidacr": "0",
                        "family_name": "Doe", "given_name": "Jane", "ipaddr": "203.0.113.7", "name": "Jane Doe",
                        "oid": user, "rh": "0.AXoA4.", "scp": "Appointments.Read",
                        "sub": "Tq2Zx7Kv4Lm9Wb1Rc6Yn3Pd8Hs0Fj5Ga", "tid": tenant, "unique_name": "jane@clinic.example",
                        "upn": "jane@clinic.example", "uti": "u8Dk3Rq6Vz", "ver": "1.0",
                    ]),
                allowed: .get("/appointments/42"), forbidden: .get("/patients/7"), clientID: webApp),
            Access(
                name: "app-only, aud is the client ID (roles, appid)",
                token: ProviderToken(
                    header: ["typ": "JWT", "alg": "RS256", "x5t": entraKeyID, "kid": entraKeyID],
                    claims: [
                        "aud": apiApp, "iss": v1Issuer, "iat": t, "nbf": t, "exp": t + 3599, "aio": "E2ZgYHh",
                        "appid": nightlyJob, "appidacr": "1", "idp": v1Issuer,
                        "oid": "cccccccc-2222-3333-4444-dddddddddddd", "rh": "0.AXoA5.",
                        "roles": ["Appointments.ReadWrite.All"], "sub": "cccccccc-2222-3333-4444-dddddddddddd",
                        "tid": tenant, "uti": "v2Gm7Xs4Nq", "ver": "1.0",
                    ]),
                allowed: .post("/appointments"), forbidden: .get("/patients/7"), clientID: nightlyJob),
        ],
        refusals: [
            Refusal(
                name: "ID token of the web app (aud is the web app)",
                token: ProviderToken(
                    header: ["typ": "JWT", "alg": "RS256", "x5t": entraKeyID, "kid": entraKeyID],
                    claims: [
                        "aud": webApp, "iss": v1Issuer, "iat": t, "nbf": t, "exp": t + 3600, "amr": ["pwd"],
                        "family_name": "Doe", "given_name": "Jane", "ipaddr": "203.0.113.7", "name": "Jane Doe",
                        "nonce": "b7Gr3Xd", "oid": user, "rh": "0.AXoA6.", "sub": "Kz5Wq1Lx8Vn3Tb6Rm0Yc4Pd9Hs2Fj7Ga",
                        "tid": tenant, "unique_name": "jane@clinic.example", "upn": "jane@clinic.example", "ver": "1.0",
                    ]),
                reason: "invalid_audience"),
            Refusal(
                name: "ID token of an app registered as its own API (aud is the API, roles carry an app role)",
                token: ProviderToken(
                    header: ["typ": "JWT", "alg": "RS256", "x5t": entraKeyID, "kid": entraKeyID],
                    claims: [
                        "aud": apiApp, "iss": v1Issuer, "iat": t, "nbf": t, "exp": t + 3600, "amr": ["pwd"],
                        "name": "Jane Doe", "oid": user, "roles": ["Appointments.Read.All"],
                        "sub": "Nb8Rx2Kq5Vm1Zt7Lc4Wp0Hd3Fs9Gj6Ya", "tid": tenant, "unique_name": "jane@clinic.example",
                        "upn": "jane@clinic.example", "ver": "1.0",
                    ]),
                reason: "client_not_allowed"),
        ])
}
