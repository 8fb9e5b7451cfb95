import Foundation
import ScopeGateCore
import ScopeGateDemo

/// `verify`: ``TokenVerifier/verify(_:now:)`` per algorithm (RS256, ES256, EdDSA, HS256), in
/// verifications per second and µs per verification:
/// - cold: cache off, 256 distinct tokens in turn (JWS parsing, key selection, signature, claims);
/// - warm: cache on, the same token (SHA-256 of the token, one striped-lock lookup, time claims
///   re-checked).
///
/// Tokens are minted up front with fresh demo keys and then only verified.
/// `SCOPEGATE_BENCH_ALG=RS256` limits the run to one algorithm (for `perf record`).
enum VerifyBench {
    static func run(seconds: Double) async throws {
        let keys: [DemoKeyPair] = [
            try DemoKeyPair.rsa(keyID: "bench-rs256"), DemoKeyPair.p256(keyID: "bench-es256"),
            DemoKeyPair.ed25519(keyID: "bench-eddsa"), DemoKeyPair.hmac(keyID: "bench-hs256"),
        ]
        print("")
        print("verify: TokenVerifier.verify per token, per algorithm (verifications/s, µs per verification)")
        print("alg     cold (cache off, unique tokens)     warm (cache on, same token)")
        let only = ProcessInfo.processInfo.environment["SCOPEGATE_BENCH_ALG"]
        for key in keys where only == nil || only == key.algorithm.rawValue {
            let tokens = try await BenchTokens.mint(key, count: 256)
            let cold = try await BenchTokens.verifier(for: key, cache: .init(maxEntries: 0))
            let warm = try await BenchTokens.verifier(for: key, cache: .init(maxEntries: 10_000, ttlSeconds: 300))
            print(row(key.algorithm.rawValue, measure(cold, tokens: tokens, seconds: seconds),
                      measure(warm, tokens: [tokens[0]], seconds: seconds)))
        }
    }

    /// Verifications of `tokens`, in turn; each must succeed.
    static func measure(_ verifier: TokenVerifier, tokens: [String], seconds: Double) -> Figures {
        for token in tokens {
            guard case .verified = verifier.verify(token, now: BenchTokens.now) else { preconditionFailure("token not verified") }
        }
        return Timing.measure(opsPerRound: tokens.count, seconds: seconds) { rounds in
            for _ in 0..<rounds {
                for token in tokens { blackHole(verifier.verify(token, now: BenchTokens.now)) }
            }
        }
    }

    /// The row format of the original verification benchmark (rate and µs per verification).
    static func row(_ name: String, _ cold: Figures, _ warm: Figures) -> String {
        func cell(_ figures: Figures) -> String {
            let text = String(format: "%10.0f /s  %8.2f µs", figures.opsPerSecond, figures.nanosecondsPerOp / 1000)
            return text.padding(toLength: 36, withPad: " ", startingAt: 0)
        }
        return name.padding(toLength: 8, withPad: " ", startingAt: 0) + cell(cold) + cell(warm)
    }
}
