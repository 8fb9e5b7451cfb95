import Foundation
import Testing
@testable import ScopeGateCore
@testable import ScopeGateDemo


private typealias F = AuthFixtures

/// One rule for a JWK Set with no usable key (issue 11): a JWKS file like a fetched set loads
/// as a valid, empty set; the issuer is ready, its tokens get 401 `unknown_kid`, and the
/// loader hands back a warning (``IssuerKeys/warnings``) for `check` and `serve` to report.
@Suite("Auth: a JWKS file with no usable key")
struct IssuerKeysNoUsableKeyTests {
    /// An X448 key: an OKP curve for key agreement, not for signatures (RFC 8037 §2).
    static let x448: [String: String] = [
        "kty": "OKP", "crv": "X448", "kid": "x448",
        "x": Base64URL.encode([UInt8](repeating: 9, count: 56)),
    ]
    /// rsaA published for RS512, which the issuer does not allow.
    static var rs512: [String: String] { F.rsaA.publicJWK(alg: .rs512) }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var members: [[String: String]]
        var hmacSecret: Bool
        /// Texts the warning must contain; `nil` when no warning is expected.
        var warning: [String]?
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "one OKP X448 key", members: [x448], hmacSecret: false,
             warning: [#"keys[0] (kid "x448"): crv "X448" is not supported"#, "401 unknown_kid"]),
        Case(name: "an RSA key whose alg is not allowed", members: [rs512], hmacSecret: false,
             warning: [#"keys[0] (kid "rsa-a"): alg RS512 is not in the issuer's algorithms"#, "401 unknown_kid"]),
        Case(name: "both", members: [x448, rs512], hmacSecret: false,
             warning: [#"keys[0] (kid "x448")"#, #"keys[1] (kid "rsa-a")"#]),
        Case(name: "empty keys", members: [], hmacSecret: false, warning: [#"("keys" is empty)"#, "401 unknown_kid"]),
        Case(name: "unusable keys beside hmac_secrets", members: [x448], hmacSecret: true,
             warning: ["X448", "only this issuer's hmac_secrets verify its tokens"]),
        Case(name: "empty keys beside hmac_secrets (an HMAC-only issuer)", members: [], hmacSecret: true, warning: nil),
    ]

    @Test("loads as an empty set: ready, unknown_kid, one warning naming the member and why", arguments: cases)
    func noUsableKey(_ testCase: Case) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("scopegate-nokey-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("jwks.json").path
        try Data(DemoKeyPair.jwksJSON(testCase.members)).write(to: URL(fileURLWithPath: path))
        let issuer = F.issuerConfig(algorithms: [.rs256, .es256, .hs256]) { config in
            config.jwks = .file(path: path)
            if testCase.hmacSecret { config.hmacSecrets = [HMACSecretSource(keyID: "h", location: .environment(variable: "S"))] }
        }
        let api = F.api(issuers: [issuer])
        let keys = try await IssuerKeys.load(api, environment: ["S": String(repeating: "s", count: 32)])
        let loaded = try #require(keys[F.issuer])
        #expect(loaded.isReady)
        #expect(loaded.source.keySet?.keys.isEmpty == true)

        if let texts = testCase.warning {
            #expect(loaded.warnings.count == 1)
            let warning = try #require(loaded.warnings.first)
            #expect(warning.path == "api.issuers[0].jwks.file")
            #expect(warning.issuer == F.issuer)
            #expect(warning.location == path)
            #expect(warning.problem.description.hasPrefix("api.issuers[0].jwks.file: JWK Set \(path) has no usable verification key"))
            for text in texts { #expect(warning.message.contains(text), "\(warning.message)") }
        } else {
            #expect(loaded.warnings.isEmpty)
        }

        let verifier = TokenVerifier(api: api, keys: keys, maxTokenBytes: 8192)
        #expect(verifier.isReady)
        let token = try await F.token(signedBy: F.rsaA)
        #expect(verifier.verifyAtOnce(token, now: F.now).reason == .unknownKeyID)
        let kidless = try await F.token(signedBy: F.rsaA, kid: .some(nil))
        #expect(verifier.verifyAtOnce(kidless, now: F.now).reason == .unknownKeyID)
    }

    @Test("a file with a usable key among unusable ones gives no warning")
    func someUsable() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("scopegate-somekey-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("jwks.json").path
        try Data(DemoKeyPair.jwksJSON([Self.x448, F.rsaA.publicJWK(alg: .rs256)])).write(to: URL(fileURLWithPath: path))
        let api = F.api(issuers: [F.issuerConfig { $0.jwks = .file(path: path) }])
        let keys = try await IssuerKeys.load(api)
        #expect(keys[F.issuer]?.warnings.isEmpty == true)
        #expect(keys[F.issuer]?.source.keySet?.keys.count == 1)
    }
}
