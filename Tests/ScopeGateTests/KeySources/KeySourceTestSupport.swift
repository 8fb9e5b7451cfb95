import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
@testable import ScopeGateCore
@testable import ScopeGateUpstream
@testable import ScopeGateDemo


/// Keys generated once per test process (RSA generation is slow in debug builds).
enum KeySourceFixtures {
    static let rsa1: DemoKeyPair = try! DemoKeyPair.rsa(keyID: "rsa-1")
    static let ec1 = DemoKeyPair.p256(keyID: "ec-1")
    static let ec2 = DemoKeyPair.p256(keyID: "ec-2")
    static let allowed: [JWSAlgorithm] = [.rs256, .es256]
    /// The injected clock's starting instant, 2027-01-15T08:00:00Z.
    static let start = Date(timeIntervalSince1970: 1_800_000_000)
}

/// A clock the test moves by hand.
final class ManualClock: Sendable {
    private let now = NIOLockedValueBox(KeySourceFixtures.start)
    var date: Date { now.withLockedValue { $0 } }
    func advance(seconds: Double) { now.withLockedValue { $0.addTimeInterval(seconds) } }
    var closure: @Sendable () -> Date { { self.date } }
}

/// Collects the source's log lines; ``lines`` also yields each one as it is logged, so a test
/// can wait for an event instead of sleeping.
final class LogRecorder: Sendable {
    private let recorded = NIOLockedValueBox<[RemoteJWKSSource.LogLine]>([])
    let lines: AsyncStream<RemoteJWKSSource.LogLine>
    private let continuation: AsyncStream<RemoteJWKSSource.LogLine>.Continuation

    init() {
        (lines, continuation) = AsyncStream.makeStream(of: RemoteJWKSSource.LogLine.self)
    }

    /// Every message so far, in order.
    var all: [String] { recorded.withLockedValue { $0.map(\.message) } }
    /// Every line so far, with its kind.
    var entries: [RemoteJWKSSource.LogLine] { recorded.withLockedValue { $0 } }
    var closure: @Sendable (RemoteJWKSSource.LogLine) -> Void {
        { line in
            self.recorded.withLockedValue { $0.append(line) }
            self.continuation.yield(line)
        }
    }
}

/// A real event loop group, curl engine and JWKS server, torn down after `body`.
struct KeySourceHarness {
    let group: MultiThreadedEventLoopGroup
    let engine: CurlEngine
    let server: JWKSTestServer
    let clock = ManualClock()
    let log = LogRecorder()

    var fetcher: CurlHTTPFetcher { CurlHTTPFetcher(engine: engine, eventLoop: group.next()) }

    func source(_ location: RemoteJWKSSource.Location, policy: JWKSRefreshPolicy = .init()) -> RemoteJWKSSource {
        RemoteJWKSSource(
            location: location, allowed: KeySourceFixtures.allowed, policy: policy, fetcher: fetcher,
            clock: clock.closure, log: log.closure)
    }

    static func with(_ body: (KeySourceHarness) async throws -> Void) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let engine = try CurlEngine(configuration: .init(threads: 1, maxConnectionsPerBackend: 8))
        let server = try await JWKSTestServer(group: group)
        let harness = KeySourceHarness(group: group, engine: engine, server: server)
        do {
            try await body(harness)
        } catch {
            try? await server.stop()
            engine.shutdown()
            try await group.shutdownGracefully()
            throw error
        }
        try? await server.stop()
        engine.shutdown()
        try await group.shutdownGracefully()
    }
}

extension RemoteJWKSSource {
    /// `refetch(forUnknownKeyID:)` awaited: `nil` when refused, else the completion's value.
    func refetchAndWait(_ keyID: String) async -> Bool? {
        await withCheckedContinuation { continuation in
            let started = refetch(forUnknownKeyID: keyID) { found in continuation.resume(returning: found) }
            if !started { continuation.resume(returning: nil) }
        }
    }

    /// The `kid`s of the current set, in JWKS order.
    var keyIDs: [String]? { keySet?.keys.map { $0.keyID ?? "" } }
}

/// An in-memory fetcher that reports every call on ``calls`` and answers with ``response``.
final class ScriptedFetcher: JWKSFetcher {
    let calls: AsyncStream<String>
    private let continuation: AsyncStream<String>.Continuation
    private let answer: NIOLockedValueBox<Result<HTTPFetchResult, HTTPFetchError>>

    init(_ answer: Result<HTTPFetchResult, HTTPFetchError>) {
        (calls, continuation) = AsyncStream.makeStream(of: String.self)
        self.answer = NIOLockedValueBox(answer)
    }

    func set(_ answer: Result<HTTPFetchResult, HTTPFetchError>) {
        self.answer.withLockedValue { $0 = answer }
    }

    func fetch(url: String) async throws -> HTTPFetchResult {
        continuation.yield(url)
        return try answer.withLockedValue { $0 }.get()
    }
}
