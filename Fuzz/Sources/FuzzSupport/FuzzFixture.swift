import Dispatch
import Foundation
import ScopeGateCore
import ScopeGateDemo

/// The real configuration the targets decide under, built once per process as `scopegate serve`
/// builds it: `gateway.json` text through ``ConfigLoader``, a JWKS file with one key of each
/// kind (RSA, P-256, Ed25519, and an `oct` secret, which a local file may hold) through
/// ``TokenVerifier/load(api:keySources:maxTokenBytes:environment:)``, and the ``AccessPolicy``
/// of its routes. The signers of those keys let a target sign bytes it made up, so the claims
/// behind a valid signature are fuzzed too.
public final class FuzzFixture: Sendable {
    /// The issuer every fixture key belongs to.
    public static let issuer = "https://issuer.fuzz.scopegate.local/"
    /// The API's audience.
    public static let audience = "https://api.fuzz.scopegate.local"
    /// The instant every decision is made at (a fixed clock: runs are reproducible).
    public static let now = Date(timeIntervalSince1970: 1_800_000_000)

    /// The process's one fixture (built on first use, a few milliseconds; an RSA key takes longer).
    public static let shared: FuzzFixture = {
        do { return try FuzzFixture() } catch { fatalError("fuzz fixture: \(error)") }
    }()

    public let config: GatewayConfig
    public let policy: AccessPolicy
    /// Signers for the fixture's keys, with their `kid` and `alg`: `hs` (HS256), `ec` (ES256),
    /// `ed` (EdDSA), `rsa` (RS256).
    public let signers: [(keyID: String, algorithm: String, signer: TokenMinter.Signer)]

    private init() throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("scopegate-fuzz-\(getpid())", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        let pairs = [
            DemoKeyPair.hmac(keyID: "hs", secret: Array("fuzz-hmac-secret-of-at-least-32-bytes!".utf8)),
            DemoKeyPair.p256(keyID: "ec"),
            DemoKeyPair.ed25519(keyID: "ed"),
            try DemoKeyPair.rsa(keyID: "rsa"),
        ]
        let jwks = try JSONSerialization.data(withJSONObject: ["keys": pairs.map { $0.publicJWK() }])
        try jwks.write(to: directory.appendingPathComponent("jwks.json"))
        config = try ConfigLoader.decode(Data(Self.configJSON.utf8), baseDirectory: directory.path)
        let (api, maxTokenBytes) = (config.api, config.limits.maxTokenBytes)
        let loaded = Self.blocking { try await TokenVerifier.load(api: api, maxTokenBytes: maxTokenBytes) }
        policy = AccessPolicy(config: config, verifier: try loaded.get())
        signers = try pairs.map { pair in
            let key = pair.signingKey
            return (pair.keyID, pair.algorithm.rawValue, try Self.blocking { try await TokenMinter.signer(for: key) }.get())
        }
    }

    /// Runs `work` to its end on the cooperative pool and waits for it (set-up only).
    public static func blocking<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) -> Result<T, any Error> {
        let done = DispatchSemaphore(value: 0)
        let box = ResultBox<T>()
        Task {
            do { box.result = .success(try await work()) } catch { box.result = .failure(error) }
            done.signal()
        }
        done.wait()
        return box.result!
    }

    private final class ResultBox<T>: @unchecked Sendable { var result: Result<T, any Error>? }

    /// A configuration that exercises every part of the decision: four key kinds, a public
    /// method, alternatives, `*`, `HEAD` via `GET`, CORS with a wildcard origin and a route
    /// that leaves CORS to its backend, required claims and a client claim.
    public static let configJSON = """
    {
      "listen": {"host": "127.0.0.1", "port": 8080},
      "api": {
        "audience": "\(audience)",
        "issuers": [{
          "issuer": "\(issuer)",
          "jwks": {"file": "jwks.json"},
          "algorithms": ["RS256", "ES256", "EdDSA", "HS256"],
          "scope_claims": ["scope", "scp", "permissions", "realm_access.roles"],
          "client_id_claim": "azp",
          "required_claims": {"tenant": ["t1", "t2"]},
          "max_lifetime_seconds": 86400
        }],
        "token": {"header": "Authorization", "query_parameter": "access_token"}
      },
      "backends": {"appointments": {"url": "http://127.0.0.1:9101"}, "calendar": {"url": "http://127.0.0.1:9102"}},
      "forwarding": {"trusted_proxies": ["10.0.0.0/8", "::1/128"], "forwarded_header": true,
                     "claim_headers": {"sub": "X-User", "client_id": "X-Client", "iss": "X-Issuer", "scope": "X-Scopes"}},
      "cors": {"allowed_origins": ["https://app.fuzz.example", "https://*.fuzz.example"], "allow_credentials": true},
      "protected_resource": {"resource": "https://api.fuzz.scopegate.local/v1"},
      "routes": [
        {"prefix": "/appointments", "backend": "appointments",
         "methods": {"GET": ["read:appointments"], "POST": [["write:appointments"], ["admin", "write:all"]], "DELETE": []}},
        {"prefix": "/appointments/public", "backend": "appointments", "methods": {"GET": "public", "*": ["admin"]}},
        {"prefix": "/calendar", "backend": "calendar", "cors": "backend", "methods": {"GET": ["read:calendar"], "PUT": ["write:calendar"]}}
      ]
    }
    """
}
