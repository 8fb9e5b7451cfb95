import Foundation
import Testing
@testable import ScopeGateCore
@testable import ScopeGateDemo


private typealias F = KeySourceFixtures

/// RemoteJWKSSource through CurlHTTPFetcher against a real server on 127.0.0.1.
@Suite("KeySource: RemoteJWKSSource over HTTP")
struct KeySourceRemoteJWKSTests {
    @Test("initial load: the set has the served keys; one fetch counted")
    func initialLoad() async throws {
        try await KeySourceHarness.with { h in
            h.server.serveJWKS("/keys", [F.rsa1, F.ec1], cacheControl: "public, max-age=120")
            let source = h.source(.jwksURL(h.server.url("/keys")))
            #expect(source.keySet == nil)
            #expect(await source.refreshNow())
            #expect(source.keyIDs == ["rsa-1", "ec-1"])
            #expect(source.keySet?.keys(withID: "rsa-1").first?.algorithms == [.rs256])
            let stats = source.statistics
            #expect(stats.fetches == 1)
            #expect(stats.failures == 0)
            #expect(stats.lastSuccess == h.clock.date)
            #expect(stats.lastError == nil)
            #expect(h.server.requestCount("/keys") == 1)
            #expect(source.nextRefresh == h.clock.date.addingTimeInterval(120))
            #expect(h.log.all.count == 1)
            #expect(h.log.all.first?.contains("2 key(s)") == true)
        }
    }

    @Test("unusable keys are skipped, the rest load")
    func skipsUnusable() async throws {
        try await KeySourceHarness.with { h in
            let jwks = DemoKeyPair.jwksJSON([["kty": "oct", "kid": "sym", "k": "c2VjcmV0"], F.ec1.publicJWK()])
            h.server.serve("/keys", .init(body: jwks))
            let source = h.source(.jwksURL(h.server.url("/keys")))
            #expect(await source.refreshNow())
            #expect(source.keyIDs == ["ec-1"])
            #expect(source.keySet?.skipped.map(\.keyID) == ["sym"])
        }
    }

    @Test("rotation: refetch for the new kid completes true and the set holds it")
    func rotation() async throws {
        try await KeySourceHarness.with { h in
            h.server.serveJWKS("/keys", [F.ec1])
            let source = h.source(.jwksURL(h.server.url("/keys")))
            #expect(await source.refreshNow())
            h.server.serveJWKS("/keys", [F.ec1, F.ec2])
            #expect(await source.refetchAndWait("ec-2") == true)
            #expect(source.keyIDs == ["ec-1", "ec-2"])
            #expect(source.statistics.unknownKeyRefetches == 1)
            #expect(h.server.requestCount("/keys") == 2)
        }
    }

    @Test("refetch storm: 1,000 concurrent unknown kids cause one fetch; cooldown refuses, then allows one more")
    func refetchStorm() async throws {
        try await KeySourceHarness.with { h in
            h.server.serveJWKS("/keys", [F.ec1])
            let source = h.source(.jwksURL(h.server.url("/keys")))
            #expect(await source.refreshNow())
            #expect(h.server.requestCount("/keys") == 1)

            let outcomes = await withTaskGroup(of: Bool?.self) { group in
                for _ in 0..<1_000 {
                    group.addTask { await source.refetchAndWait("unknown-\(UInt64.random(in: 0...UInt64.max))") }
                }
                return await group.reduce(into: [Bool?]()) { $0.append($1) }
            }
            #expect(outcomes.count == 1_000)
            #expect(outcomes.contains(false))  // at least the first call started a fetch
            #expect(!outcomes.contains(true))  // no random kid is in the set
            #expect(h.server.requestCount("/keys") == 2)
            #expect(source.statistics.unknownKeyRefetches == 1)

            // Within the cooldown (the injected clock has not moved): refused, no fetch.
            #expect(await source.refetchAndWait("later") == nil)
            #expect(h.server.requestCount("/keys") == 2)
            h.clock.advance(seconds: 29)
            #expect(await source.refetchAndWait("later") == nil)
            #expect(h.server.requestCount("/keys") == 2)

            // Past the cooldown: one more fetch, then refused again.
            h.clock.advance(seconds: 2)
            #expect(await source.refetchAndWait("later") == false)
            #expect(h.server.requestCount("/keys") == 3)
            #expect(await source.refetchAndWait("later-still") == nil)
            #expect(h.server.requestCount("/keys") == 3)
            #expect(source.statistics.unknownKeyRefetches == 2)
            #expect(source.statistics.refusedRefetches == 1_000 - outcomes.filter { $0 != nil }.count + 3)
        }
    }

    @Test("concurrent refreshNow calls share one fetch")
    func sharedRefresh() async throws {
        try await KeySourceHarness.with { h in
            h.server.serveJWKS("/keys", [F.ec1])
            let source = h.source(.jwksURL(h.server.url("/keys")))
            async let a = source.refreshNow()
            async let b = source.refreshNow()
            async let c = source.refreshNow()
            let results = await [a, b, c]
            #expect(results == [true, true, true])
            #expect(h.server.requestCount("/keys") == source.statistics.fetches)
            #expect(source.statistics.fetches >= 1 && source.statistics.fetches <= 3)
        }
    }

    enum Breakage: String, CaseIterable, Sendable {
        case status500 = "HTTP 500"
        case garbage = "garbage body"
        case notFound = "HTTP 404"
        case serverDown = "server stopped"
        case tooLarge = "body over 1 MiB"
    }

    @Test("after a good load, a failing refresh keeps the set, counts, logs and schedules a retry", arguments: Breakage.allCases)
    func failureKeepsSet(breakage: Breakage) async throws {
        try await KeySourceHarness.with { h in
            h.server.serveJWKS("/keys", [F.ec1], cacheControl: "max-age=900")
            let source = h.source(.jwksURL(h.server.url("/keys")))
            #expect(await source.refreshNow())
            #expect(source.nextRefresh == h.clock.date.addingTimeInterval(900))

            let expectedCode: String
            switch breakage {
            case .status500:
                h.server.failAll(500)
                expectedCode = "jwks_http_status"
            case .notFound:
                h.server.serve("/keys", .init(status: 404, body: []))
                expectedCode = "jwks_http_status"
            case .garbage:
                h.server.serve("/keys", .init(body: Array("<html>oops</html>".utf8)))
                expectedCode = "jwks_invalid"
            case .tooLarge:
                h.server.serve("/keys", .init(body: [UInt8](repeating: 0x20, count: (1 << 20) + 1)))
                expectedCode = "jwks_too_large"
            case .serverDown:
                try await h.server.stop()
                expectedCode = "jwks_transport"
            }
            h.clock.advance(seconds: 900)
            #expect(await source.refreshNow() == false)
            #expect(source.keyIDs == ["ec-1"])
            let stats = source.statistics
            #expect(stats.fetches == 2)
            #expect(stats.failures == 1)
            #expect(stats.lastFailure == h.clock.date)
            #expect(stats.lastSuccess == F.start)
            #expect(stats.lastError != nil)
            #expect(source.nextRefresh == h.clock.date.addingTimeInterval(10))
            let line = try #require(h.log.all.last)
            #expect(line.contains("[\(expectedCode)]"))
            #expect(line.contains("keeping the 1 key(s)"))
            // An unknown kid during the outage: the refetch fails and says so.
            #expect(await source.refetchAndWait("ec-2") == false)
            #expect(source.keyIDs == ["ec-1"])
        }
    }

    /// Revocation: a JWKS the issuer serves is its current set, even when none of its keys
    /// is usable here. Found by an adversarial pass: the previous set (and a key the issuer
    /// had withdrawn) used to be kept until restart.
    @Test("a refresh whose JWKS holds no usable key replaces the set: the withdrawn key is gone", arguments: [
        "empty keys", "only an oct key", "only use: enc",
    ])
    func unusableSetRevokes(variant: String) async throws {
        try await KeySourceHarness.with { h in
            h.server.serveJWKS("/keys", [F.ec1], cacheControl: "max-age=900")
            let source = h.source(.jwksURL(h.server.url("/keys")))
            #expect(await source.refreshNow())
            #expect(source.keyIDs == ["ec-1"])
            var encOnly = F.ec1.publicJWK()
            encOnly["use"] = "enc"
            let members: [[String: String]] = switch variant {
            case "empty keys": []
            case "only an oct key": [["kty": "oct", "kid": "s", "k": "c2VjcmV0"]]
            default: [encOnly]
            }
            h.server.serve("/keys", .init(body: DemoKeyPair.jwksJSON(members)))
            h.clock.advance(seconds: 900)
            #expect(await source.refreshNow())
            #expect(source.keyIDs == [])
            let line = try #require(h.log.all.last)
            #expect(line.contains("0 key(s)") && line.contains("no usable key"), "\(line)")
            // The withdrawn kid is not found again through a refetch either.
            h.clock.advance(seconds: 900)
            #expect(await source.refetchAndWait("ec-1") == false)
            #expect(source.keyIDs == [])
        }
    }

    @Test("never loaded (server down from the start): no keys, failure recorded")
    func neverLoaded() async throws {
        try await KeySourceHarness.with { h in
            let url = h.server.url("/keys")
            try await h.server.stop()
            let source = h.source(.jwksURL(url))
            #expect(await source.refreshNow() == false)
            #expect(source.keySet == nil)
            let stats = source.statistics
            #expect(stats.fetches == 1)
            #expect(stats.failures == 1)
            #expect(stats.lastSuccess == nil)
            #expect(stats.lastError?.contains(url) == true)
            #expect(h.log.all.last?.contains("no keys loaded yet") == true)
            #expect(await source.refetchAndWait("any") == false)
            #expect(source.keySet == nil)
        }
    }

    @Test("discovery: configuration names this issuer and a loopback jwks_uri; keys load and the uri is reused")
    func discovery() async throws {
        try await KeySourceHarness.with { h in
            let issuer = h.server.base + "/tenant"
            h.server.serve("/tenant/.well-known/openid-configuration", .init(body: Self.configuration(issuer: issuer, jwksURI: h.server.url("/tenant/keys"))))
            h.server.serveJWKS("/tenant/keys", [F.ec1])
            let source = h.source(.discovery(issuer: issuer))
            #expect(await source.refreshNow())
            #expect(source.keyIDs == ["ec-1"])
            #expect(await source.refreshNow())
            #expect(h.server.requestCount("/tenant/.well-known/openid-configuration") == 1)
            #expect(h.server.requestCount("/tenant/keys") == 2)
        }
    }

    @Test("discovery with a trailing-slash issuer: the configuration must repeat it exactly")
    func discoveryTrailingSlash() async throws {
        try await KeySourceHarness.with { h in
            let issuer = h.server.base + "/"
            h.server.serve("/.well-known/openid-configuration", .init(body: Self.configuration(issuer: issuer, jwksURI: h.server.url("/keys"))))
            h.server.serveJWKS("/keys", [F.ec1])
            let source = h.source(.discovery(issuer: issuer))
            #expect(await source.refreshNow())
            #expect(source.keyIDs == ["ec-1"])
        }
    }

    /// OIDC Discovery §4.3: the issuer must be identical, not Unicode-equivalent (an NFD
    /// spelling of an NFC issuer was accepted; third adversarial pass).
    @Test("discovery: an issuer that is only canonically equivalent is a mismatch")
    func discoveryIssuerUnicodeTwin() throws {
        let configured = "https://127.0.0.1:1/t\u{E9}nant"
        let document = Array(#"{"issuer": "https://127.0.0.1:1/te\#u{301}nant", "jwks_uri": "https://127.0.0.1:1/keys"}"#.utf8)
        #expect(throws: RemoteJWKSError.self) {
            try OpenIDDiscovery.jwksURI(fromConfiguration: document, url: "https://127.0.0.1:1/x", expectedIssuer: configured)
        }
        let same = Array(#"{"issuer": "https://127.0.0.1:1/t\#u{E9}nant", "jwks_uri": "https://127.0.0.1:1/keys"}"#.utf8)
        #expect(try OpenIDDiscovery.jwksURI(fromConfiguration: same, url: "https://127.0.0.1:1/x", expectedIssuer: configured)
            == "https://127.0.0.1:1/keys")
    }

    @Test("discovery: a configuration naming another issuer is rejected, no keys, JWKS never fetched")
    func discoveryIssuerMismatch() async throws {
        try await KeySourceHarness.with { h in
            h.server.serve("/.well-known/openid-configuration", .init(body: Self.configuration(issuer: "https://evil.example", jwksURI: h.server.url("/keys"))))
            h.server.serveJWKS("/keys", [F.ec1])
            let source = h.source(.discovery(issuer: h.server.base))
            #expect(await source.refreshNow() == false)
            #expect(source.keySet == nil)
            #expect(source.statistics.failures == 1)
            #expect(source.statistics.lastError?.contains("evil.example") == true)
            #expect(h.log.all.last?.contains("[discovery_issuer_mismatch]") == true)
            #expect(h.server.requestCount("/keys") == 0)
        }
    }

    @Test("discovery: after a failed cycle the configuration is fetched again")
    func discoveryRediscovers() async throws {
        try await KeySourceHarness.with { h in
            let config = "/.well-known/openid-configuration"
            h.server.serve(config, .init(body: Self.configuration(issuer: h.server.base, jwksURI: h.server.url("/old"))))
            h.server.serveJWKS("/old", [F.ec1])
            let source = h.source(.discovery(issuer: h.server.base))
            #expect(await source.refreshNow())
            h.server.serve("/old", .init(status: 404, body: []))
            h.server.serve(config, .init(body: Self.configuration(issuer: h.server.base, jwksURI: h.server.url("/new"))))
            h.server.serveJWKS("/new", [F.ec2])
            #expect(await source.refreshNow() == false)
            #expect(source.keyIDs == ["ec-1"])
            #expect(await source.refreshNow())
            #expect(source.keyIDs == ["ec-2"])
            #expect(h.server.requestCount(config) == 2)
        }
    }

    static func configuration(issuer: String, jwksURI: String) -> [UInt8] {
        Array(try! JSONEncoder().encode(["issuer": issuer, "jwks_uri": jwksURI, "token_endpoint": issuer + "/token"]))
    }
}
