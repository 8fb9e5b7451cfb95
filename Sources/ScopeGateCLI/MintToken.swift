import ArgumentParser
import Foundation
import ScopeGate

/// `scopegate mint-token`: sign a demo access token. For the demo and local testing only:
/// a real deployment gets its tokens from its identity provider.
struct MintToken: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mint-token",
        abstract: "Sign a demo access token (demo and local testing only).",
        discussion: "Issuer and audience default to those in --config.")

    @OptionGroup var options: ConfigOption

    @Option(help: "PEM private key: RSA for RS256, EC P-256 for ES256 (default: the demo key for --alg, next to --config).")
    var key: String?

    @Option(help: "Key ID (kid) to put in the header (default: demo-rs256 or demo-es256, after --alg).")
    var kid: String?

    @Option(help: "Algorithm: RS256 or ES256.")
    var alg: String = "RS256"

    @Option(help: "Subject (sub).")
    var sub: String = "demo-user"

    @Option(help: "Space-separated scopes for the `scope` claim.")
    var scope: String = ""

    @Option(help: "Comma-separated values for the `permissions` claim.")
    var permissions: String?

    @Option(help: "Lifetime in seconds from now (negative: already expired).")
    var ttl: Int = 3600

    @Option(help: "Override the issuer (iss).")
    var issuer: String?

    @Option(help: "Override the audience (aud).")
    var audience: String?

    func run() async throws {
        let config = try ConfigLoader.load(fileAt: options.config)
        let demoKey = alg == "ES256" ? "demo/keys/es256-private.pem" : "demo/keys/rs256-private.pem"
        let keyPath = key ?? URL(fileURLWithPath: options.config).deletingLastPathComponent().appendingPathComponent(demoKey).path
        let kid = kid ?? (alg == "ES256" ? "demo-es256" : "demo-rs256")
        guard let pem = FileManager.default.contents(atPath: keyPath).map({ String(decoding: $0, as: UTF8.self) }) else {
            printError("cannot read key file \(keyPath)")
            throw ExitCode(2)
        }
        let signingKey: TokenMinter.SigningKey
        switch alg {
        case "RS256": signingKey = .rsaPrivateKeyPEM(pem)
        case "ES256": signingKey = .p256PrivateKeyPEM(pem)
        default: throw ValidationError("--alg must be RS256 or ES256")
        }
        let now = Int(Date().timeIntervalSince1970)
        var claims: [String: Any] = [
            "iss": issuer ?? config.api.issuer,
            "aud": audience ?? config.api.audience,
            "sub": sub,
            "client_id": "demo-client",
            "iat": now,
            "exp": now + ttl,
        ]
        if !scope.isEmpty { claims["scope"] = scope }
        if let permissions { claims["permissions"] = permissions.split(separator: ",").map(String.init) }
        let header: [String: Any] = ["alg": alg, "typ": "at+jwt", "kid": kid]
        let token = try await TokenMinter.sign(header: header, payload: claims, with: signingKey)
        print(token)
    }
}
