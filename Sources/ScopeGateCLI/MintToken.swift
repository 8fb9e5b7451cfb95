import ArgumentParser
import Foundation
import ScopeGateCore
import ScopeGateDemo

/// `scopegate mint-token`: sign a demo access token. For the demo and local testing only:
/// a real deployment gets its tokens from its identity provider.
struct MintToken: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mint-token",
        abstract: "Sign a demo access token (demo and local testing only).",
        discussion: "Issuer and audience default to the first issuer and the audience in --config (no aud when neither api.audience nor that issuer's audiences give one).")

    @OptionGroup var options: ConfigOption

    @Option(help: "PEM private key: RSA for RS256/384/512 and PS256/384/512, EC for ES256/384/512 (default: the demo RSA or P-256 key, next to --config).")
    var key: String?

    @Option(help: "Key ID (kid) to put in the header (default: demo-rs256 or demo-es256, after --alg).")
    var kid: String?

    @Option(help: "Algorithm: RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384 or ES512.")
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

    @Option(name: .customLong("claim"),
            help: "Set a claim: NAME=JSON (e.g. client_id='\"app\"', token_use='\"access\"', ver=2; a value that is not JSON is a string); repeatable; null removes a claim.")
    var claims: [String] = []

    @Option(help: "The JWS header typ (default at+jwt; \"\" for none).")
    var typ: String = "at+jwt"

    @Option(help: "Print this many distinct tokens, one per line: token i has sub \"<sub>-i\" and a unique jti (load-test pools; one key, one process).")
    var count: Int?

    func validate() throws {
        if let count, count < 1 { throw ValidationError("--count must be 1 or more") }
    }

    func run() async throws {
        let config = try ConfigLoader.load(fileAt: options.config)
        let demoKey = alg.hasPrefix("ES") ? "demo/keys/es256-private.pem" : "demo/keys/rs256-private.pem"
        let keyPath = key ?? URL(fileURLWithPath: options.config).deletingLastPathComponent().appendingPathComponent(demoKey).path
        let kid = kid ?? (alg.hasPrefix("ES") ? "demo-es256" : "demo-rs256")
        guard let pem = FileManager.default.contents(atPath: keyPath).map({ String(decoding: $0, as: UTF8.self) }) else {
            printError(key == nil
                ? "cannot read key file \(keyPath) (the demo key is looked up next to --config; pass --key PEM to sign with another)"
                : "cannot read key file \(keyPath)")
            throw ExitCode(2)
        }
        let signingKey: TokenMinter.SigningKey
        switch JWSAlgorithm(rawValue: alg) {
        case let algorithm? where algorithm.keyType == "RSA": signingKey = .rsa(pem: pem, algorithm: algorithm)
        case let algorithm? where algorithm.keyType == "EC": signingKey = .ecdsa(pem: pem, algorithm: algorithm)
        default: throw ValidationError("--alg must be one of RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512")
        }
        let now = Int(Date().timeIntervalSince1970)
        var claims: [String: Any] = [
            "iss": issuer ?? config.api.issuers[0].issuer,
            "sub": sub,
            "client_id": "demo-client",
            "iat": now,
            "exp": now + ttl,
        ]
        if let aud = audience ?? config.api.audience ?? config.api.issuers[0].audiences.first { claims["aud"] = aud }
        if !scope.isEmpty { claims["scope"] = scope }
        if let permissions { claims["permissions"] = permissions.split(separator: ",").map(String.init) }
        for assignment in self.claims {
            guard let equals = assignment.firstIndex(of: "="), equals != assignment.startIndex else {
                throw ValidationError("--claim must be NAME=JSON, found \(assignment)")
            }
            let name = String(assignment[..<equals])
            let text = String(assignment[assignment.index(after: equals)...])
            let value = (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])) ?? text
            if value is NSNull { claims.removeValue(forKey: name) } else { claims[name] = value }
        }
        var header: [String: Any] = ["alg": alg, "kid": kid]
        if !typ.isEmpty { header["typ"] = typ }
        let signer = try await TokenMinter.signer(for: signingKey)
        guard let count else {
            print(try signer.sign(header: header, payload: claims))
            return
        }
        // A pool: distinct within this run and from other runs (the jti carries a random run ID).
        let run = UUID().uuidString.prefix(8).lowercased()
        var out = ""
        for index in 1...count {
            claims["sub"] = "\(sub)-\(index)"
            claims["jti"] = "\(run)-\(index)"
            out += try signer.sign(header: header, payload: claims)
            out += "\n"
        }
        FileHandle.standardOutput.write(Data(out.utf8))
    }
}
