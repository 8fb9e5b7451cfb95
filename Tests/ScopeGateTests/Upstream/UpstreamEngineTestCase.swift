import NIOCore
import NIOPosix
import ScopeGateCore
import XCTest
@testable import ScopeGateUpstream
@testable import ScopeGateDemo

/// How a test's ``CurlEngine`` runs: on the group's event loops (as `serve` runs it) or on a
/// dedicated curl thread (as the JWKS fetcher of `explain`/`check` runs it).
enum UpstreamEngineMode: String {
    case eventLoops
    case thread
}

/// Shared set-up of the engine tests: an event-loop group, an EchoBackend on 127.0.0.1 and
/// a real CurlEngine (at most 4 connections per backend in all), torn down after each test.
///
/// The engine runs in ``engineMode``: the event-loop mode here; a subclass that overrides it
/// with `.thread` runs every inherited test again on a curl thread (see
/// `UpstreamCurlEngineThreadModeTests`). A test may shut the engine, the backend or the group
/// down itself and set them to nil: the tear-down only stops what is still there.
class UpstreamEngineTestCase: XCTestCase {
    var group: MultiThreadedEventLoopGroup!
    var backend: EchoBackend!
    var engine: CurlEngine!
    private var firstLoop: (any EventLoop)?
    /// One event loop of the group, the same for the whole test.
    var loop: any EventLoop { firstLoop! }
    /// Every event loop of the group, in the order the engine was given them.
    var eventLoops: [any EventLoop] { Array(group.makeIterator()) }

    /// The mode of every engine this test case makes.
    class var engineMode: UpstreamEngineMode { .eventLoops }

    override func setUp() async throws {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        firstLoop = group.next()
        backend = try await EchoBackend.start(name: "echo", host: "127.0.0.1", port: 0, group: group)
        engine = try makeEngine(maxConnectionsPerBackend: 4)
    }

    override func tearDown() async throws {
        engine?.shutdown()
        engine = nil
        if let backend { try await backend.shutdown() }
        backend = nil
        if let group { try await group.shutdownGracefully() }
        group = nil
    }

    /// A new engine in ``engineMode``: on every event loop of ``group``, or on one curl thread.
    func makeEngine(maxConnectionsPerBackend: Int) throws -> CurlEngine {
        let configuration = UpstreamEngineConfig(threads: 1, maxConnectionsPerBackend: maxConnectionsPerBackend)
        switch Self.engineMode {
        case .eventLoops: return try CurlEngine(configuration: configuration, eventLoops: eventLoops)
        case .thread: return try CurlEngine(configuration: configuration)
        }
    }

    /// `http://127.0.0.1:<echo port><pathAndQuery>`.
    func url(_ pathAndQuery: String) -> String { "http://127.0.0.1:\(backend.port)\(pathAndQuery)" }
}
