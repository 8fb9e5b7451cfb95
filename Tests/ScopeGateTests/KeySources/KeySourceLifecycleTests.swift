import Foundation
import Testing
@testable import ScopeGateCore
@testable import ScopeGateDemo


private typealias F = KeySourceFixtures

/// RemoteJWKSSource with an in-memory fetcher: the background loop, scheduling and the cooldown clock.
@Suite("KeySource: RemoteJWKSSource lifecycle and schedule")
struct KeySourceLifecycleTests {
    private static let jwks = HTTPFetchResult(status: 200, body: DemoKeyPair.jwksJSON([F.ec1.publicJWK()]), cacheControl: "max-age=300")

    private func source(_ fetcher: ScriptedFetcher, clock: ManualClock, policy: JWKSRefreshPolicy = .init()) -> RemoteJWKSSource {
        RemoteJWKSSource(location: .jwksURL("https://id.example/keys"), allowed: F.allowed, policy: policy, fetcher: fetcher, clock: clock.closure)
    }

    @Test("start fetches at once; start and stop are idempotent")
    func startStop() async throws {
        let fetcher = ScriptedFetcher(.success(Self.jwks))
        let clock = ManualClock()
        let source = source(fetcher, clock: clock)
        source.start()
        source.start()
        var firstURL: String?
        for await url in fetcher.calls {
            firstURL = url
            break
        }
        #expect(firstURL == "https://id.example/keys")
        await source.refreshNow()  // joins the loop's cycle, or runs a second one
        #expect(source.keyIDs == ["ec-1"])
        #expect(source.nextRefresh == clock.date.addingTimeInterval(300))
        source.stop()
        source.stop()
        source.start()
        source.stop()
    }

    @Test("max-age drives nextRefresh; a failure schedules the retry; success after it uses max-age again")
    func schedule() async {
        let fetcher = ScriptedFetcher(.success(Self.jwks))
        let clock = ManualClock()
        let source = source(fetcher, clock: clock, policy: .init(retrySeconds: 15))
        #expect(source.nextRefresh == nil)
        #expect(await source.refreshNow())
        #expect(source.nextRefresh == F.start.addingTimeInterval(300))
        fetcher.set(.failure(.transport("connection refused")))
        clock.advance(seconds: 300)
        #expect(await source.refreshNow() == false)
        #expect(source.nextRefresh == clock.date.addingTimeInterval(15))
        #expect(source.statistics.lastError == "GET https://id.example/keys failed: transport failure: connection refused")
        fetcher.set(.success(HTTPFetchResult(status: 200, body: Self.jwks.body, cacheControl: "max-age=5")))
        clock.advance(seconds: 15)
        #expect(await source.refreshNow())
        #expect(source.nextRefresh == clock.date.addingTimeInterval(60))
    }

    @Test("a body over 1 MiB from any fetcher is rejected")
    func oversizedBody() async {
        let big = HTTPFetchResult(status: 200, body: [UInt8](repeating: 0x20, count: RemoteJWKSSource.maximumDocumentBytes + 1))
        let source = source(ScriptedFetcher(.success(big)), clock: ManualClock())
        #expect(await source.refreshNow() == false)
        #expect(source.statistics.lastError?.contains("exceeds 1048576 bytes") == true)
        #expect(source.keySet == nil)
    }

    @Test("a clock stepped backwards does not block refetches")
    func clockBackwards() async {
        let fetcher = ScriptedFetcher(.success(Self.jwks))
        let clock = ManualClock()
        let source = source(fetcher, clock: clock)
        #expect(await source.refetchAndWait("ec-1") == true)
        #expect(await source.refetchAndWait("ec-1") == nil)
        clock.advance(seconds: -3600)
        #expect(await source.refetchAndWait("ec-1") == true)
    }

    @Test("cooldown 0: every refetch not joining a cycle starts one")
    func noCooldown() async {
        let source = source(ScriptedFetcher(.success(Self.jwks)), clock: ManualClock(), policy: .init(refetchCooldownSeconds: 0))
        #expect(await source.refetchAndWait("x") == false)
        #expect(await source.refetchAndWait("x") == false)
        #expect(source.statistics.unknownKeyRefetches == 2)
    }
}
