import Foundation
import Testing
@testable import ScopeGateCore
@testable import ScopeGateDemo

private typealias F = AuthFixtures

/// The verifier owns the unknown-`kid` refetch: a `kid` its issuer's set lacks waits for the
/// source's refetch (``VerificationStep/awaitingKeys(_:)``), and ``TokenVerifier/resume(_:now:)``
/// finishes with the new set, once. Nothing else that reads `unknown_kid` waits.
@Suite("Auth: waiting for an issuer's keys")
struct TokenVerifierKeyWaitTests {
    /// A set of `members` for the test issuer (RS256 and ES256 allowed).
    static func set(_ members: [[String: String]]) async throws -> VerificationKeySet {
        try await VerificationKeySet.load(jwks: DemoKeyPair.jwksJSON(members), allowed: [.rs256, .es256])
    }

    /// The token a verification step waits with, nil when it did not wait for keys.
    static func pending(_ step: VerificationStep) -> PendingToken? {
        guard case .awaitingKeys(let pending) = step else { return nil }
        return pending
    }

    static func verifier(_ source: any KeySource, cache: VerificationCacheConfig = .init(maxEntries: 0)) -> TokenVerifier {
        TokenVerifier(api: F.api(cache: cache), keys: [F.issuer: IssuerKeys(source: source)], maxTokenBytes: 8192)
    }

    /// `rsa-a` only: a token signed by `ec-a` names a kid the set lacks.
    static func beforeRotation() async throws -> VerificationKeySet {
        try await set([F.rsaA.publicJWK(alg: .rs256)])
    }

    static func afterRotation() async throws -> VerificationKeySet {
        try await set([F.rsaA.publicJWK(alg: .rs256), F.ecA.publicJWK()])
    }

    @Test("a kid not in the set waits; one refetch; resume verifies with the new set")
    func rotation() async throws {
        let source = ManualKeySource(try await Self.beforeRotation())
        let verifier = Self.verifier(source)
        let token = try await F.token(signedBy: F.ecA)
        let pending = try #require(Self.pending(verifier.verify(token, now: F.now)), "expected a wait for keys")
        #expect(pending.keyID == "ec-a")
        #expect(pending.issuer == F.issuer)
        #expect(source.askedKeyIDs == ["ec-a"])
        let arrived = LockedState(0)
        pending.whenKeysArrive { arrived.withLock { $0 += 1 } }
        #expect(arrived.withLock { $0 } == 0)
        source.finishRefetch(with: try await Self.afterRotation())
        #expect(arrived.withLock { $0 } == 1)
        let verified = try verifier.resume(pending, now: F.now).get()
        #expect(verified.keyID == "ec-a")
        #expect(verified.subject == "user-1")
        #expect(verified.algorithm == .es256)
        #expect(source.askedKeyIDs == ["ec-a"])
    }

    @Test("resume is final: a kid still missing is unknown_kid, without a second refetch")
    func stillMissing() async throws {
        let source = ManualKeySource(try await Self.beforeRotation())
        let verifier = Self.verifier(source)
        let token = try await F.token(signedBy: F.ecA)
        let pending = try #require(Self.pending(verifier.verify(token, now: F.now)), "expected a wait for keys")
        source.finishRefetch(with: try await Self.beforeRotation())
        #expect(verifier.resume(pending, now: F.now) == .failure(TokenRejection(.unknownKeyID, #"kid "ec-a" is not in the JWKS"#)))
        #expect(source.askedKeyIDs == ["ec-a"])
    }

    @Test("resume judges the time claims at its own instant")
    func resumeAtItsInstant() async throws {
        let source = ManualKeySource(try await Self.beforeRotation())
        let verifier = Self.verifier(source)
        let token = try await F.token(signedBy: F.ecA)
        let pending = try #require(Self.pending(verifier.verify(token, now: F.now)), "expected a wait for keys")
        source.finishRefetch(with: try await Self.afterRotation())
        // exp is now+300 and the skew 60 s: 400 s later the token has expired.
        #expect(verifier.resume(pending, now: F.now.addingTimeInterval(400)).reason == .tokenExpired)
        #expect(verifier.resume(pending, now: F.now).reason == nil)
    }

    @Test("a token verified by resume is in the cache: verified again at once, no refetch")
    func resumeFillsTheCache() async throws {
        let source = ManualKeySource(try await Self.beforeRotation())
        let verifier = Self.verifier(source, cache: .init(maxEntries: 16, ttlSeconds: 60))
        let token = try await F.token(signedBy: F.ecA)
        let pending = try #require(Self.pending(verifier.verify(token, now: F.now)), "expected a wait for keys")
        source.finishRefetch(with: try await Self.afterRotation())
        #expect(verifier.resume(pending, now: F.now).reason == nil)
        let hits = verifier.cache?.statistics.hits ?? -1
        guard case .verified = verifier.verify(token, now: F.now) else {
            Issue.record("expected the cached token")
            return
        }
        #expect(verifier.cache?.statistics.hits == hits + 1)
        #expect(source.askedKeyIDs == ["ec-a"])
    }

    @Test("keys that arrived before anyone waits: the completion runs at once")
    func arrivedFirst() async throws {
        let source = ManualKeySource(try await Self.beforeRotation())
        let verifier = Self.verifier(source)
        let token = try await F.token(signedBy: F.ecA)
        let pending = try #require(Self.pending(verifier.verify(token, now: F.now)), "expected a wait for keys")
        source.finishRefetch(with: try await Self.afterRotation())
        let arrived = LockedState(false)
        pending.whenKeysArrive { arrived.withLock { $0 = true } }
        #expect(arrived.withLock { $0 })
    }

    @Test("a refused refetch (a static source, the cooldown) is unknown_kid at once")
    func refused() async throws {
        let token = try await F.token(signedBy: F.ecA)
        let refusing = ManualKeySource(try await Self.beforeRotation())
        refusing.refuseRefetches()
        let expected = Result<VerifiedToken, TokenRejection>.failure(TokenRejection(.unknownKeyID, #"kid "ec-a" is not in the JWKS"#))
        #expect(Self.verifier(refusing).verifyAtOnce(token, now: F.now) == expected)
        #expect(refusing.askedKeyIDs == ["ec-a"])
        let fixed = StaticKeySource(try await Self.beforeRotation())
        #expect(Self.verifier(fixed).verifyAtOnce(token, now: F.now) == expected)
    }

    enum Final: String, CaseIterable, Sendable {
        case kidNamesNineKeys = "a kid that names 9 keys"
        case kidlessNineKeys = "no kid, 9 fitting keys"
        case kidlessNoFittingKey = "no kid, no fitting key"
        case kidKeysForAnotherAlg = "the kid's keys are for another alg"
    }

    /// Refetching cannot change these answers: the `kid` is in the set, or there is none.
    @Test("final answers ask for no refetch", arguments: Final.allCases)
    func noUselessRefetch(_ kind: Final) async throws {
        let set: VerificationKeySet, token: String, reason: ReasonCode
        switch kind {
        case .kidNamesNineKeys:
            let crowd = (0..<9).map { _ in DemoKeyPair.p256(keyID: "crowded") }
            set = try await Self.set(crowd.map { $0.publicJWK() })
            token = try await F.token(signedBy: crowd[0])
            reason = .unknownKeyID
        case .kidlessNineKeys:
            let crowd = (0..<9).map { _ in DemoKeyPair.p256(keyID: "x") }
            set = try await Self.set(crowd.map { $0.publicJWK(includeKeyID: false) })
            token = try await F.token(signedBy: crowd[0], kid: .some(nil))
            reason = .unknownKeyID
        case .kidlessNoFittingKey:
            set = try await Self.beforeRotation()
            token = try await F.token(signedBy: F.ecA, kid: .some(nil))
            reason = .unknownKeyID
        case .kidKeysForAnotherAlg:
            var jwk = F.rsaA.publicJWK(alg: .rs256)
            jwk["kid"] = "ec-a"
            set = try await Self.set([jwk])
            token = try await F.token(signedBy: F.ecA)
            reason = .algorithmNotAllowed
        }
        let source = ManualKeySource(set)
        guard case .rejected(let rejection) = Self.verifier(source).verify(token, now: F.now) else {
            Issue.record("\(kind.rawValue): expected a final rejection")
            return
        }
        #expect(rejection.reason == reason)
        #expect(source.askedKeyIDs.isEmpty)
    }

    @Test("a remote source: the refetch is the source's, under its cooldown")
    func remoteSource() async throws {
        let fetcher = ScriptedFetcher(.success(HTTPFetchResult(status: 200, body: DemoKeyPair.jwksJSON([F.rsaA.publicJWK(alg: .rs256)]))))
        let clock = ManualClock()
        let source = RemoteJWKSSource(location: .jwksURL("https://issuer.example/jwks"), allowed: [.rs256, .es256],
                                      policy: JWKSRefreshPolicy(refetchCooldownSeconds: 30), fetcher: fetcher,
                                      clock: clock.closure)
        #expect(await source.refreshNow())
        let verifier = Self.verifier(source)
        fetcher.set(.success(HTTPFetchResult(status: 200, body: DemoKeyPair.jwksJSON([F.rsaA.publicJWK(alg: .rs256), F.ecA.publicJWK()]))))
        let token = try await F.token(signedBy: F.ecA)
        let pending = try #require(Self.pending(verifier.verify(token, now: F.now)), "expected a wait for keys")
        await pending.keysArrived()
        #expect(verifier.resume(pending, now: F.now).reason == nil)
        // Within the cooldown another unknown kid is refused at once.
        let stranger = try await F.token(signedBy: F.ecA, kid: "stranger")
        #expect(verifier.verifyAtOnce(stranger, now: F.now).reason == .unknownKeyID)
        #expect(source.statistics.fetches == 2)
        #expect(source.statistics.unknownKeyRefetches == 1)
        #expect(source.statistics.refusedRefetches == 1)
    }
}
