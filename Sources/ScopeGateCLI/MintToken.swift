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

    @Option(help: "PEM private key: RSA for RS256, EC P-256 for ES256.")
    var key: String = "demo/keys/rs256-private.pem"

    @Option(help: "Key ID (kid) to put in the header.")
    var kid: String = "demo-rs256"

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
        guard let pem = FileManager.default.contents(atPath: key).map({ String(decoding: $0, as: UTF8.self) }) else {
            printError("cannot read key file \(key)")
            throw ExitCode(2)
        }
        let now = Int(Date().timeIntervalSince1970)
        var claims: [String: TokenMinter.Claim] = [
            "iss": .string(issuer ?? config.api.issuer),
            "aud": .string(audience ?? config.api.audience),
            "sub": .string(sub),
            "client_id": .string("demo-client"),
            "iat": .number(Double(now)),
            "exp": .number(Double(now + ttl)),
        ]
        if !scope.isEmpty { claims["scope"] = .string(scope) }
        if let permissions {
            claims["permissions"] = .array(permissions.split(separator: ",").map { .string(String($0)) })
        }
        let token = try await TokenMinter.mint(claims: claims, privateKeyPEM: pem, algorithm: alg, kid: kid)
        print(token)
    }
}
