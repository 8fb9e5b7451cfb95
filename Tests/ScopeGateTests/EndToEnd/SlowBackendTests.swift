import Foundation
import NIOCore
import NIOPosix
import XCTest
@testable import ScopeGateDemo

/// The slow backend of the load tests: `EchoBackend.start(delay:)` and `demo-backend --delay-ms`,
/// over real sockets. Every answer must wait the delay, and the waits must be timers: one event
/// loop keeps many requests waiting at once (a loop that slept would answer them one by one).
final class SlowBackendTests: XCTestCase {
    private static let delay = 0.3
    private static let connections = 40

    func testDelayHoldsEveryAnswerOnTimersOfOneEventLoop() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let backend = try await EchoBackend.start(name: "slow", host: "127.0.0.1", port: 0, group: group,
                                                  delay: .milliseconds(Int64(Self.delay * 1000)))
        do {
            try Self.checkConcurrentDelay(port: backend.port)
            // A request's own head-delay-ms still wins over the default.
            let client = try RawHTTPClient(port: backend.port)
            let start = Date()
            try client.send("GET /quick?head-delay-ms=0 HTTP/1.1\r\nHost: t\r\n\r\n")
            XCTAssertEqual(try client.readResponse().status, 200)
            XCTAssertLessThan(Date().timeIntervalSince(start), Self.delay, "head-delay-ms=0 should override the default delay")
        } catch {
            try await backend.shutdown()
            try await group.shutdownGracefully()
            throw error
        }
        try await backend.shutdown()
        try await group.shutdownGracefully()
    }

    func testDemoBackendDelayOption() throws {
        let process = Process()
        process.executableURL = try ScopeGateBinary.url
        process.arguments = ["demo-backend", "--name", "slow", "--port", "0", "--delay-ms", String(Int(Self.delay * 1000))]
        let stderr = Pipe()
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate(); process.waitUntilExit() } }

        // "demo-backend slow: listening on 127.0.0.1:PORT (every answer delayed by 300 ms)"
        let reader = LineReader(stderr.fileHandleForReading)
        guard let line = reader.next(timeout: 30) else { return XCTFail("demo-backend did not report its port") }
        XCTAssertTrue(line.contains("delayed by 300 ms"), line)
        guard let address = line.split(separator: " ").first(where: { $0.hasPrefix("127.0.0.1:") }),
              let port = Int(address.dropFirst("127.0.0.1:".count)) else {
            return XCTFail("no port in \(line)")
        }
        try Self.checkConcurrentDelay(port: port)
        XCTAssertEqual(try ScopeGateBinary.run(["demo-backend", "--port", "0", "--delay-ms=-1"]).status, 2)
    }

    /// Sends one request on each of `connections` connections at once, then reads the answers:
    /// none may come before the delay, and all must come well before `connections` × delay.
    private static func checkConcurrentDelay(port: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let clients = try (0..<connections).map { _ in try RawHTTPClient(port: port) }
        let start = Date()
        for (index, client) in clients.enumerated() {
            try client.send("GET /item/\(index) HTTP/1.1\r\nHost: t\r\n\r\n")
        }
        var first: TimeInterval?
        for (index, client) in clients.enumerated() {
            let response = try client.readResponse()
            XCTAssertEqual(response.status, 200, file: file, line: line)
            XCTAssertEqual(try response.json()["path"] as? String, "/item/\(index)", file: file, line: line)
            first = first ?? Date().timeIntervalSince(start)
        }
        let all = Date().timeIntervalSince(start)
        XCTAssertGreaterThanOrEqual(first ?? 0, delay * 0.95, "an answer came before the delay", file: file, line: line)
        XCTAssertLessThan(all, delay * 4, "\(connections) delayed answers took \(all) s: the delay is not concurrent",
                          file: file, line: line)
    }
}
