import Foundation
import NIOCore
import NIOPosix
import XCTest
@testable import ScopeGateUpstream
#if canImport(Glibc)
import Glibc
#endif

/// What only the event-loop mode does (``CurlEngine/init(configuration:eventLoops:)``): requests
/// from an event loop the engine does not own, shutdown with transfers in flight on the loops,
/// the per-backend connection cap shared out over the loops, and the descriptors it opens.
final class UpstreamCurlEventLoopModeTests: UpstreamEngineTestCase {
    /// An event loop the engine was not given (a group of its own), made on first use.
    private var foreign: MultiThreadedEventLoopGroup?

    override func tearDown() async throws {
        try await super.tearDown()   // the engine first: what it delivers to the foreign loop is done
        if let foreign { try await foreign.shutdownGracefully() }
        foreign = nil
    }

    private func foreignLoop() -> any EventLoop {
        let made = foreign ?? MultiThreadedEventLoopGroup(numberOfThreads: 1)
        foreign = made
        return made.next()
    }

    private static let held = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"

    // MARK: Another event loop

    func testRequestsFromAnotherEventLoopGoRoundRobinToTheOwnedLoopsAndAreDeliveredOnTheirOwnLoop() async throws {
        let elsewhere = foreignLoop()
        for index in 0..<4 {
            // CollectingDelegate checks that every call comes on `elsewhere`.
            let response = try await engine.collect(UpstreamRequest(method: "GET", url: url("/elsewhere/\(index)")), on: elsewhere)
            XCTAssertEqual(response.head?.status, 200)
            XCTAssertEqual(response.calls.last, "finish")
            XCTAssertEqual(try response.echo().path, "/elsewhere/\(index)")
        }
        XCTAssertEqual(backend.requestCount, 4)
        // Each owned loop keeps connections of its own: taking turns, the two loops opened one each.
        XCTAssertEqual(backend.connectionCount, 2)
    }

    func testCancelFromAnotherEventLoopReachesTheOwningLoopAndStopsDelegateCalls() async throws {
        let scripted = try await ScriptedBackend.start { _, _ in [.hold(Self.held)] }
        let elsewhere = foreignLoop()
        let engine = engine!
        let request = UpstreamRequest(method: "GET", url: "http://127.0.0.1:\(scripted.port)/held", timeoutMilliseconds: 0)
        let (delegate, transfer) = try await elsewhere.submit {
            let delegate = CollectingDelegate(eventLoop: elsewhere)
            let transfer = engine.execute(request, on: elsewhere, delegate: delegate)
            return (NIOLoopBound(delegate, eventLoop: elsewhere), transfer)
        }.get()
        try await scripted.wait { $0.requests.count == 1 }
        try await elsewhere.submit { transfer.cancel() }.get()
        // The owning loop removed the easy handle: libcurl closes a connection left mid-response.
        try await scripted.wait { $0.closedByGateway.contains(1) }
        let calls = try await elsewhere.submit {
            defer { delegate.value.abandon() }
            return delegate.value.callCount
        }.get()
        XCTAssertEqual(calls, 0)
        try await scripted.stop()
    }

    // MARK: Shutdown

    /// Starts `count` transfers of `request` on `eventLoop`; returns each delegate with its loop.
    private static func start(_ count: Int, of request: UpstreamRequest, on eventLoop: any EventLoop,
                              engine: CurlEngine) async throws -> [NIOLoopBound<CollectingDelegate>] {
        try await eventLoop.submit {
            (0..<count).map { _ in
                let delegate = CollectingDelegate(eventLoop: eventLoop)
                engine.execute(request, on: eventLoop, delegate: delegate)
                return NIOLoopBound(delegate, eventLoop: eventLoop)
            }
        }.get()
    }

    func testShutdownFailsEveryTransferInFlightOnceWithoutSchedulingOnStoppedLoops() async throws {
        let scripted = try await ScriptedBackend.start { _, _ in [.hold(Self.held)] }
        let request = UpstreamRequest(method: "GET", url: "http://127.0.0.1:\(scripted.port)/held", timeoutMilliseconds: 0)
        let elsewhere = foreignLoop()
        // Three on each owned loop and two from another loop: four reach the backend (the cap,
        // two per loop), the others wait in libcurl's queues.
        var started: [NIOLoopBound<CollectingDelegate>] = []
        for eventLoop in eventLoops { started += try await Self.start(3, of: request, on: eventLoop, engine: engine) }
        started += try await Self.start(2, of: request, on: elsewhere, engine: engine)
        try await scripted.wait { $0.requests.count == 4 }

        let output = try await capturingStandardError {
            engine.shutdown()
            engine.shutdown()  // idempotent
            for bound in started {
                let response = try await bound.eventLoop.flatSubmit { bound.value.future }.get()
                XCTAssertEqual(response.calls, ["fail"])
                guard case .failed? = response.error else { return XCTFail("got \(String(describing: response.error))") }
            }
            // One more task on each loop runs after anything the shutdown queued there: no
            // second terminal call came.
            for bound in started {
                let calls = try await bound.eventLoop.submit { bound.value.callCount }.get()
                XCTAssertEqual(calls, 1)
            }
            // The engine goes (its deinit must not stop it again), then the event loops.
            engine = nil
            try await backend.shutdown()
            backend = nil
            try await group.shutdownGracefully()
            group = nil
            try await foreign?.shutdownGracefully()
            foreign = nil
        }
        XCTAssertFalse(output.contains("Cannot schedule tasks"), output)
        XCTAssertFalse(output.contains("leaking"), output)
        try await scripted.stop()
    }

    /// An engine dropped without ``CurlEngine/shutdown()`` after its event loops stopped (a
    /// start-up abandoned half-way, a caller that forgot it): nothing runs on those loops any
    /// more, and dropping it must not trap on what waited for them (NIO traps, in debug
    /// builds, on a promise dropped unfulfilled).
    func testAnEngineDroppedAfterItsEventLoopsStoppedDoesNotTrap() async throws {
        engine.shutdown()
        engine = try makeEngine(maxConnectionsPerBackend: 4)
        try await backend.shutdown()
        backend = nil
        try await group.shutdownGracefully()
        group = nil
        // NIO reports the stop that can no longer be scheduled; the test is that this returns.
        _ = try await capturingStandardError { engine = nil }
    }

    // MARK: Connection cap

    /// Replaces the engine by one with `cap` connections per backend, starts `count` requests,
    /// as many on each owned loop, at a backend that holds every answer until the test lets it
    /// go, lets the answers go as the requests come, and returns how many connections the
    /// backend accepted.
    private func connectionsForHeldRequests(_ count: Int, cap: Int) async throws -> Int {
        engine.shutdown()
        engine = try makeEngine(maxConnectionsPerBackend: cap)
        let scripted = try await ScriptedBackend.start { _, _ in [.hold(Self.held)] }
        let request = UpstreamRequest(method: "GET", url: "http://127.0.0.1:\(scripted.port)/capped", timeoutMilliseconds: 0)
        var started: [NIOLoopBound<CollectingDelegate>] = []
        // All submitted before anything is answered: each loop has more than its share queued.
        for eventLoop in eventLoops {
            started += try await Self.start(count / eventLoops.count, of: request, on: eventLoop, engine: engine)
        }
        // Every connection the cap allows is busy before the first answer goes.
        try await scripted.wait { $0.requests.count >= min(cap, count) }
        var released = 0
        while released < count {
            let already = released
            try await scripted.wait { $0.requests.count > already }
            let seen = scripted.observation.requests.count
            try await scripted.release()   // every held answer of a request seen (held before it is counted)
            released = seen
        }
        for bound in started {
            let response = try await bound.eventLoop.flatSubmit { bound.value.future }.get()
            XCTAssertEqual(response.head?.status, 200)
            XCTAssertEqual(response.bodyString, "ok")
        }
        let connections = scripted.observation.connections
        try await scripted.stop()
        return connections
    }

    func testConnectionCapIsSharedOutOverTheLoopsAndNeverExceeded() async throws {
        // 4 over 2 loops: 2 each, and both loops use theirs.
        let connections = try await connectionsForHeldRequests(16, cap: 4)
        XCTAssertEqual(connections, 4)
    }

    func testConnectionCapThatDoesNotDivideByTheLoopsIsNotExceeded() async throws {
        // 3 over 2 loops: 2 and 1 (rounded up, 2 and 2 opened 4).
        let connections = try await connectionsForHeldRequests(16, cap: 3)
        XCTAssertEqual(connections, 3)
    }

    func testConnectionCapBelowTheNumberOfLoopsIsNotExceeded() async throws {
        // 1 over 2 loops: one curl loop, which the other event loop's requests go to.
        let connections = try await connectionsForHeldRequests(16, cap: 1)
        XCTAssertEqual(connections, 1)
    }

    // MARK: Descriptors

    /// Sockets of this process connected to `port` on 127.0.0.1 (the backend's own sockets are
    /// connected from other ports).
    private static func sockets(connectedTo port: Int) -> Int {
        var count = 0
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? [] {
            guard let descriptor = Int32(name),
                  let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(name)"),
                  target.hasPrefix("socket:") else { continue }
            var address = sockaddr_in()
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let peer = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(descriptor, $0, &length) }
            }
            if peer == 0, address.sin_family == sa_family_t(AF_INET), Int(UInt16(bigEndian: address.sin_port)) == port {
                count += 1
            }
        }
        return count
    }

    private static func isOpen(_ descriptor: Int32) -> Bool { fcntl(descriptor, F_GETFD) != -1 }

    /// Runs one task on every event loop of the group twice: a task of the loop that ran
    /// before the first (and what it held) is gone after the second.
    private func drainEventLoops() async throws {
        for _ in 0..<2 {
            for eventLoop in eventLoops { try await eventLoop.submit {}.get() }
        }
    }

    /// Runs requests on both owned loops at once; returns the engine's own descriptors.
    private func forwardOnBothLoops() async throws -> [Int32] {
        let engine = engine!
        let url = url("/fd")
        try await withThrowingTaskGroup(of: Int?.self) { tasks in
            for eventLoop in eventLoops + eventLoops {
                tasks.addTask { try await engine.collect(UpstreamRequest(method: "GET", url: url), on: eventLoop).head?.status }
            }
            for try await status in tasks { XCTAssertEqual(status, 200) }
        }
        return engine.descriptors
    }

    func testShutdownClosesEveryBackendConnectionAndTheDroppedEngineItsOwnDescriptors() async throws {
        let owned = try await forwardOnBothLoops()
        XCTAssertEqual(owned.count, 6, "each loop's epoll set and eventfd, the waker's")
        XCTAssertTrue(owned.allSatisfy(Self.isOpen))
        XCTAssertGreaterThanOrEqual(Self.sockets(connectedTo: backend.port), 2, "kept-alive connections of both loops")
        engine.shutdown()
        XCTAssertEqual(Self.sockets(connectedTo: backend.port), 0, "libcurl's connections are closed by the shutdown")
        engine = nil
        try await drainEventLoops()
        for descriptor in owned { XCTAssertFalse(Self.isOpen(descriptor), "descriptor \(descriptor)") }
    }
}

/// Runs `body` with the process's standard error going to a file; returns what was written to it.
func capturingStandardError(_ body: () async throws -> Void) async throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("stderr-\(UUID().uuidString)").path
    let file = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0o600)
    guard file >= 0 else { throw CocoaError(.fileWriteUnknown) }
    defer { unlink(path) }
    fflush(nil)
    let saved = dup(STDERR_FILENO)
    dup2(file, STDERR_FILENO)
    close(file)
    func restore() {
        fflush(nil)
        dup2(saved, STDERR_FILENO)
        close(saved)
    }
    do {
        try await body()
    } catch {
        restore()
        throw error
    }
    restore()
    return (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
}
