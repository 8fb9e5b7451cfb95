import NIOCore
import NIOPosix
import XCTest
@testable import ScopeGateUpstream
@testable import ScopeGateDemo

/// Shared set-up of the engine tests: an event-loop group, an EchoBackend on 127.0.0.1 and
/// a real CurlEngine running on the group's event loops, as `serve` runs it (at most 4
/// connections per backend in all), torn down after each test.
class UpstreamEngineTestCase: XCTestCase {
    var group: MultiThreadedEventLoopGroup!
    var backend: EchoBackend!
    var engine: CurlEngine!
    private var firstLoop: (any EventLoop)?
    /// One event loop of the group, the same for the whole test.
    var loop: any EventLoop { firstLoop! }

    override func setUp() async throws {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        firstLoop = group.next()
        backend = try await EchoBackend.start(name: "echo", host: "127.0.0.1", port: 0, group: group)
        engine = try CurlEngine(configuration: .init(threads: 1, maxConnectionsPerBackend: 4), eventLoops: Array(group.makeIterator()))
    }

    override func tearDown() async throws {
        engine.shutdown()
        try await backend.shutdown()
        try await group.shutdownGracefully()
    }

    /// `http://127.0.0.1:<echo port><pathAndQuery>`.
    func url(_ pathAndQuery: String) -> String { "http://127.0.0.1:\(backend.port)\(pathAndQuery)" }
}
