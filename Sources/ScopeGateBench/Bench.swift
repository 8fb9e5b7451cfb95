import Foundation
import ScopeGate

/// `scopegate-bench`: bearer-token verifications per second on ONE thread, per algorithm,
/// with the verification cache cold (unique tokens, cache disabled) and warm (one token,
/// cache on). Run in release: `swift run -c release scopegate-bench [seconds-per-cell]`.
///
/// Tokens are minted up front with the demo keys and then only verified, so the figures
/// are `TokenVerifier.verify` alone: JWS parsing, key selection, signature and claims.
@main
struct Bench {
    static let issuer = "https://issuer.bench/"
    static let audience = "https://api.bench"
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func main() async throws {
        let seconds = CommandLine.arguments.dropFirst().first.flatMap(Double.init) ?? 1.0
        let keys: [DemoKeyPair] = [
            try DemoKeyPair.rsa(keyID: "bench-rs256"), DemoKeyPair.p256(keyID: "bench-es256"),
            DemoKeyPair.ed25519(keyID: "bench-eddsa"), DemoKeyPair.hmac(keyID: "bench-hs256"),
        ]
        #if DEBUG
        print("warning: debug build; run `swift run -c release scopegate-bench` for meaningful figures\n")
        #endif
        print("one thread, \(seconds) s per cell, \(ProcessInfo.processInfo.processorCount) cores on the machine")
        print("alg     cold (cache off, unique tokens)     warm (cache on, same token)")
        // For profiling one cell: SCOPEGATE_BENCH_ALG=RS256 (only that algorithm).
        let only = ProcessInfo.processInfo.environment["SCOPEGATE_BENCH_ALG"]
        for key in keys where only == nil || only == key.algorithm.rawValue {
            let tokens = try await mint(key, count: 256)
            let cold = try await verifier(for: key, cache: .init(maxEntries: 0))
            let warm = try await verifier(for: key, cache: .init(maxEntries: 10_000, ttlSeconds: 300))
            let coldRate = measure(cold, tokens: tokens, seconds: seconds)
            let warmRate = measure(warm, tokens: [tokens[0]], seconds: seconds)
            print(row(key.algorithm.rawValue, coldRate, warmRate))
        }
    }

    static func row(_ name: String, _ cold: Double, _ warm: Double) -> String {
        func cell(_ rate: Double) -> String {
            let text = String(format: "%10.0f /s  %8.2f µs", rate, 1e6 / rate)
            return text.padding(toLength: 36, withPad: " ", startingAt: 0)
        }
        return name.padding(toLength: 8, withPad: " ", startingAt: 0) + cell(cold) + cell(warm)
    }

    static func mint(_ key: DemoKeyPair, count: Int) async throws -> [String] {
        var tokens: [String] = []
        let base = Int(now.timeIntervalSince1970)
        for index in 0..<count {
            let claims: [String: Any] = [
                "iss": issuer, "aud": audience, "sub": "user-\(index)", "client_id": "bench",
                "iat": base - 10, "exp": base + 3600, "jti": "token-\(index)",
                "scope": "read:appointments write:appointments", "permissions": ["admin:appointments"],
            ]
            let header: [String: Any] = ["alg": key.algorithm.rawValue, "typ": "at+jwt", "kid": key.keyID]
            tokens.append(try await TokenMinter.sign(header: header, payload: claims, with: key.signingKey))
        }
        return tokens
    }

    static func verifier(for key: DemoKeyPair, cache: VerificationCacheConfig) async throws -> TokenVerifier {
        let jwks = DemoKeyPair.jwksJSON([key.publicJWK(alg: key.algorithm)])
        let keySet = try await VerificationKeySet.load(jwks: jwks, allowed: [key.algorithm], symmetricKeys: .accept)
        let api = APIConfig(
            audience: audience,
            issuers: [IssuerConfig(issuer: issuer, audiences: [audience], jwks: .file(path: "bench"), algorithms: [key.algorithm])],
            verificationCache: cache)
        return TokenVerifier(api: api, keys: [issuer: IssuerKeys(source: StaticKeySource(keySet))], maxTokenBytes: 8192)
    }

    /// Verifications per second over about `seconds`, cycling through `tokens`.
    static func measure(_ verifier: TokenVerifier, tokens: [String], seconds: Double) -> Double {
        for token in tokens.prefix(16) { precondition((try? verifier.verify(token, now: now).get()) != nil, "token rejected") }
        let clock = ContinuousClock()
        let start = clock.now
        let budget = Duration.milliseconds(Int64(seconds * 1000))
        var count = 0
        var failures = 0
        var elapsed = Duration.zero
        while elapsed < budget {
            for _ in 0..<64 {
                if case .failure = verifier.verify(tokens[count % tokens.count], now: now) { failures += 1 }
                count += 1
            }
            elapsed = clock.now - start
        }
        precondition(failures == 0, "\(failures) verifications failed")
        let (whole, attoseconds) = elapsed.components
        return Double(count) / (Double(whole) + Double(attoseconds) / 1e18)
    }
}
