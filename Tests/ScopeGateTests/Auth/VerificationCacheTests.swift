import Foundation
import Testing
@testable import ScopeGateCore


private typealias F = AuthFixtures

@Suite("Auth: VerificationCache")
struct AuthVerificationCacheTests {
    @Test("second verification of the same token is a hit with the same result")
    func hitAfterFirstVerify() async throws {
        let verifier = try await F.verifier(cache: .init(maxEntries: 100, ttlSeconds: 300))
        let token = try await F.token(signedBy: F.rsaA)
        let first = verifier.verifyAtOnce(token, now: F.now)
        #expect(verifier.cache?.statistics == .init(hits: 0, misses: 1, insertions: 1, evictions: 0, count: 1))
        let second = verifier.verifyAtOnce(token, now: F.now.addingTimeInterval(1))
        #expect(first == second)
        #expect(verifier.cache?.statistics.hits == 1)
    }

    @Test("rejections are never cached")
    func rejectionsNotCached() async throws {
        let verifier = try await F.verifier(cache: .init(maxEntries: 100, ttlSeconds: 300))
        let token = try await F.token(signedBy: F.rsaB, kid: "rsa-a")
        #expect(verifier.verifyAtOnce(token, now: F.now).reason == .invalidSignature)
        #expect(verifier.verifyAtOnce(token, now: F.now).reason == .invalidSignature)
        #expect(verifier.cache?.statistics.count == 0)
        #expect(verifier.cache?.statistics.hits == 0)
    }

    @Test("a cached token is rejected once expired, and never before its nbf, at a later or earlier now")
    func timeClaimsRecheckedOnHit() async throws {
        // exp = now + 300, skew 60, ttl 3600: the entry itself lives until exp.
        let verifier = try await F.verifier(cache: .init(maxEntries: 100, ttlSeconds: 3600))
        let token = try await F.token(signedBy: F.rsaA, claims: F.claims(["nbf": F.nowSeconds - 5]))
        #expect(verifier.verifyAtOnce(token, now: F.now).reason == nil)
        #expect(verifier.verifyAtOnce(token, now: F.now.addingTimeInterval(100)).reason == nil)
        #expect(verifier.cache?.statistics.hits == 1)
        // An earlier clock than nbf - skew: the hit is re-judged and refused.
        #expect(verifier.verifyAtOnce(token, now: F.now.addingTimeInterval(-100)).reason == .tokenNotYetValid)
        // Past exp + skew.
        #expect(verifier.verifyAtOnce(token, now: F.now.addingTimeInterval(361)).reason == .tokenExpired)
    }

    @Test("an entry expires with the ttl: the next use verifies the token again")
    func ttl() async throws {
        let verifier = try await F.verifier(cache: .init(maxEntries: 100, ttlSeconds: 10))
        let token = try await F.token(signedBy: F.rsaA)
        _ = verifier.verifyAtOnce(token, now: F.now)
        _ = verifier.verifyAtOnce(token, now: F.now.addingTimeInterval(11))
        #expect(verifier.cache?.statistics.hits == 0)
        #expect(verifier.cache?.statistics.insertions == 2)
    }

    @Test("bounded: never more than max_entries, the rest is evicted")
    func bounded() async throws {
        let verifier = try await F.verifier(cache: .init(maxEntries: 4, ttlSeconds: 300))
        for index in 0..<12 {
            let token = try await F.token(signedBy: F.ecA, claims: F.claims(["jti": "t\(index)"]))
            #expect(verifier.verifyAtOnce(token, now: F.now).reason == nil)
        }
        let statistics = try #require(verifier.cache?.statistics)
        #expect(statistics.count <= 4)
        #expect(statistics.evictions >= 8)
        #expect(statistics.insertions == 12)
    }

    @Test("CLOCK keeps a recently used entry over unused ones (one stripe)")
    func secondChance() {
        let cache = VerificationCache(maxEntries: 2, ttlSeconds: 300, stripes: 1)
        let entry = VerificationCache.Entry(
            token: VerifiedToken(subject: nil, clientID: nil, issuer: F.issuer, grantedScopes: [], expiresAt: nil, keyID: nil),
            times: TimeClaims(expiresAt: nil, notBefore: nil, issuedAt: nil), issuer: F.issuer)
        let (a, b, c) = (VerificationCache.Key(token: "a"), VerificationCache.Key(token: "b"), VerificationCache.Key(token: "c"))
        cache.insert(a, entry, now: F.now)
        cache.insert(b, entry, now: F.now)
        #expect(cache.lookup(a, now: F.now) != nil)
        cache.insert(c, entry, now: F.now)
        #expect(cache.lookup(a, now: F.now) != nil)
        #expect(cache.lookup(b, now: F.now) == nil)
        #expect(cache.lookup(c, now: F.now) != nil)
        #expect(cache.statistics.evictions == 1)
    }

    @Test("max_entries 0 disables the cache")
    func disabled() async throws {
        let verifier = try await F.verifier(cache: .init(maxEntries: 0, ttlSeconds: 300))
        #expect(verifier.cache == nil)
        let token = try await F.token(signedBy: F.rsaA)
        #expect(verifier.verifyAtOnce(token, now: F.now).reason == nil)
        #expect(verifier.verifyAtOnce(token, now: F.now).reason == nil)
    }

    @Test("concurrent use from many tasks stays consistent")
    func concurrent() async throws {
        let verifier = try await F.verifier(cache: .init(maxEntries: 1024, ttlSeconds: 300))
        var tokens: [String] = []
        for index in 0..<16 { tokens.append(try await F.token(signedBy: F.ecA, claims: F.claims(["jti": "c\(index)"]))) }
        let all = tokens
        let failures = await withTaskGroup(of: Int.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    var failed = 0
                    for round in 0..<200 where verifier.verifyAtOnce(all[(worker + round) % all.count], now: F.now).reason != nil {
                        failed += 1
                    }
                    return failed
                }
            }
            return await group.reduce(0, +)
        }
        #expect(failures == 0)
        let statistics = try #require(verifier.cache?.statistics)
        #expect(statistics.hits + statistics.misses == 1600)
        #expect(statistics.count == 16)
    }
}

extension VerificationCache.Statistics {
    init(hits: Int, misses: Int, insertions: Int, evictions: Int, count: Int) {
        self.init()
        self.hits = hits
        self.misses = misses
        self.insertions = insertions
        self.evictions = evictions
        self.count = count
    }
}
