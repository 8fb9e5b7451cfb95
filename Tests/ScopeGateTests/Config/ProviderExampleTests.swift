import Foundation
import Testing
@testable import ScopeGateCore
@testable import ScopeGateDemo


/// The example configs in `examples/`, one per identity provider.
///
/// Each is checked by `scopegate check` as a process, exactly as shipped (its keys come from the
/// provider's JWKS URL, which `check` does not fetch): valid, with a `warning:` (or, accepted in
/// `lint.accept`, an `accepted:`) line exactly when an issuer sets `check_audience: false`. Then it is loaded by ``ConfigLoader`` with
/// every issuer's `jwks` replaced by a local JWKS of a test key, published under the provider's
/// `kid` values, and tokens shaped like the provider's (see ``ProviderExample``) go through
/// ``AccessPolicy/decide(_:now:)``, the decision `serve` and `explain` share: each access token
/// is allowed where its scopes reach and gets 403 elsewhere; each ID token (or other token that
/// is not an access token for this API) gets 401 with the reason the example is built to give.
@Suite("Provider examples")
struct ProviderExampleTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let examples = root.appendingPathComponent("examples")
    /// The stand-in for every provider's signing key (RSA key generation is slow in debug: once).
    static let key: DemoKeyPair = try! DemoKeyPair.rsa(keyID: "provider-example")
    static let now = Date(timeIntervalSince1970: TimeInterval(ProviderExample.now))

    @Test("every example folder has token shapes, and every row has its folder")
    func everyExampleIsCovered() throws {
        let folders = try FileManager.default.contentsOfDirectory(atPath: Self.examples.path).filter {
            FileManager.default.fileExists(atPath: Self.examples.appendingPathComponent("\($0)/gateway.json").path)
        }
        #expect(Set(folders) == Set(ProviderExample.folders))
    }

    @Test("scopegate check accepts the example as shipped, with the provider's remote keys", arguments: ProviderExample.folders)
    func checkAccepts(_ folder: String) throws {
        let path = Self.examples.appendingPathComponent("\(folder)/gateway.json").path
        let result = try ScopeGateBinary.run(["check", "--config", path])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let issuers = try Self.issuers(of: Self.document(at: path))
        #expect(!issuers.isEmpty)
        for issuer in issuers {
            let jwks = issuer["jwks"] as? [String: Any] ?? [:]
            let url = jwks["url"] as? String ?? ""
            #expect(url.hasPrefix("https://") || jwks["discovery"] as? Bool == true, "\(folder): \(jwks)")
        }
        // Turning the audience check off is valid, and said (a warning, or accepted in lint.accept with
        // its reason, so that the example passes `check --strict`): only there.
        let turnsOff = issuers.contains { $0["check_audience"] as? Bool == false }
        let warned = result.stdout.split(separator: "\n").contains {
            ($0.hasPrefix("warning:") || $0.hasPrefix("accepted:")) && $0.contains("check_audience")
        }
        #expect(warned == turnsOff, "\(folder): \(result.stdout)")
    }

    @Test("an access token shaped like the provider's is allowed where its scopes reach, 403 elsewhere",
          arguments: ProviderExample.folders)
    func accessTokens(_ folder: String) async throws {
        let example = ProviderExample.named(folder)
        let policy = try await Self.policy(for: example)
        #expect(!example.accessTokens.isEmpty)
        for access in example.accessTokens {
            let token = try await Self.sign(access.token)
            let allowed = policy.decideAtOnce(Self.request(access.allowed, token: token), now: Self.now)
            if case .allow(let allowance) = allowed {
                #expect(allowance.token?.clientID == access.clientID, "\(folder), \(access.name)")
            } else {
                Issue.record("\(folder), \(access.name): \(access.allowed) was not allowed: \(allowed)")
            }
            let forbidden = policy.decideAtOnce(Self.request(access.forbidden, token: token), now: Self.now)
            guard case .deny(let denial) = forbidden else {
                Issue.record("\(folder), \(access.name): \(access.forbidden) was allowed")
                continue
            }
            #expect(denial.status == 403, "\(folder), \(access.name): \(denial)")
            #expect(denial.reason == .insufficientScope, "\(folder), \(access.name): \(denial)")
        }
    }

    @Test("the provider's ID token is refused with 401 and the expected reason", arguments: ProviderExample.folders)
    func refusals(_ folder: String) async throws {
        let example = ProviderExample.named(folder)
        let policy = try await Self.policy(for: example)
        #expect(!example.refusals.isEmpty)
        // The same request an access token of this provider is allowed to make.
        let request = try #require(example.accessTokens.first?.allowed)
        for refusal in example.refusals {
            let token = try await Self.sign(refusal.token)
            let decision = policy.decideAtOnce(Self.request(request, token: token), now: Self.now)
            guard case .deny(let denial) = decision else {
                Issue.record("\(folder), \(refusal.name): allowed")
                continue
            }
            #expect(denial.status == 401, "\(folder), \(refusal.name): \(denial)")
            #expect(denial.reason.rawValue == refusal.reason, "\(folder), \(refusal.name): \(denial.description)")
            #expect(denial.bearerError == "invalid_token", "\(folder), \(refusal.name)")
        }
    }

    // MARK: Helpers

    /// The example's policy, its issuers' keys replaced by ``key`` under each of `example.keyIDs`.
    static func policy(for example: ProviderExample) async throws -> AccessPolicy {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("scopegate-example-\(example.folder)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        let keys = example.keyIDs.map { keyID -> [String: String] in
            var jwk = key.publicJWK(alg: .rs256)
            jwk["kid"] = keyID
            return jwk
        }
        try Data(DemoKeyPair.jwksJSON(keys)).write(to: directory.appendingPathComponent("jwks.json"))

        var document = try document(at: examples.appendingPathComponent("\(example.folder)/gateway.json").path)
        var api = try #require(document["api"] as? [String: Any])
        if var issuers = api["issuers"] as? [[String: Any]] {
            for index in issuers.indices { issuers[index]["jwks"] = ["file": "jwks.json"] }
            api["issuers"] = issuers
        } else {
            api["jwks"] = ["file": "jwks.json"]
        }
        document["api"] = api
        let path = directory.appendingPathComponent("gateway.json").path
        try JSONSerialization.data(withJSONObject: document).write(to: URL(fileURLWithPath: path))

        let config = try ConfigLoader.load(fileAt: path)
        let verifier = try await TokenVerifier.load(api: config.api, maxTokenBytes: config.limits.maxTokenBytes)
        return AccessPolicy(config: config, verifier: verifier)
    }

    static func sign(_ token: ProviderToken) async throws -> String {
        try await TokenMinter.sign(header: token.header as [String: Any], payload: token.claims as [String: Any], with: key.signingKey)
    }

    static func request(_ request: ProviderRequest, token: String) -> AccessRequest {
        AccessRequest(method: request.method, target: request.target, tokenHeaderValues: ["Bearer \(token)"])
    }

    static func document(at path: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
    }

    /// `api.issuers`, or the shorthand `api` as the one issuer.
    static func issuers(of document: [String: Any]) throws -> [[String: Any]] {
        let api = try #require(document["api"] as? [String: Any])
        return api["issuers"] as? [[String: Any]] ?? [api]
    }
}
