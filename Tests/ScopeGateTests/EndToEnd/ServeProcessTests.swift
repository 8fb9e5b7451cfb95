import Foundation
import XCTest

/// `scopegate serve` as a real process, driven by the real `curl` client.
final class ServeProcessTests: XCTestCase {
    func testServeForwardsDeniesAndStopsOnSIGTERM() async throws {
        let fixture = try await GatewayFixture.start()   // backends, keys and a config file
        defer { Task { try? await fixture.shutdown() } }
        // The same config, served by a separate process on its own ephemeral port, logging to stderr.
        var json = try String(contentsOfFile: fixture.configPath, encoding: .utf8)
        json = json.replacingOccurrences(of: "\"log\": {\"denials\": {\"file\": \"denials.log\"}}",
                                         with: "\"log\": {\"denials\": \"stderr\"}, \"shutdown\": {\"drain_delay_ms\": 0}")
        let path = fixture.directory.appendingPathComponent("serve.json").path
        try Data(json.utf8).write(to: URL(fileURLWithPath: path))

        let process = Process()
        process.executableURL = try ScopeGateBinary.url
        process.arguments = ["serve", "--config", path]
        let stderr = Pipe()
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        // Synchronise on the process's own "listening" line.
        let reader = LineReader(stderr.fileHandleForReading)
        // "scopegate: listening on 127.0.0.1:PORT, admin on 127.0.0.1:APORT (...)": the first port.
        // Lint warnings come before it (the fixture's public /calendar/holidays under /calendar).
        var line = reader.next(timeout: 30)
        while let warning = line, warning.hasPrefix("scopegate: warning: ") { line = reader.next(timeout: 30) }
        guard let listening = line,
              let portText = listening.components(separatedBy: "listening on 127.0.0.1:").last?.prefix(while: \.isNumber),
              let port = Int(portText) else {
            return XCTFail("serve did not report its port")
        }

        // Tokens are checked against the real clock in a served process.
        let now = Int(Date().timeIntervalSince1970)
        let token = try await fixture.token(["iat": now, "exp": now + 600])
        let allowed = try Curl.run(["-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Authorization: Bearer \(token)",
                                    "http://127.0.0.1:\(port)/appointments/1"])
        XCTAssertEqual(allowed, "200")
        let denied = try Curl.run(["-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(port)/appointments/1"])
        XCTAssertEqual(denied, "401")

        guard let logLine = reader.next(timeout: 10) else { return XCTFail("no denial line on stderr") }
        let record = try JSONSerialization.jsonObject(with: Data(logLine.utf8)) as? [String: Any] ?? [:]
        XCTAssertEqual(record["reason"] as? String, "missing_token")

        process.terminate()   // SIGTERM
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .exit)
        XCTAssertEqual(process.terminationStatus, 0)
    }
}

/// Reads lines from a pipe on a background thread, handing them over with a bounded wait.
/// At the end of the pipe (the writer exited) a last unterminated line is handed over too,
/// and waiting stops: a process that died is not waited for until the timeout.
final class LineReader: @unchecked Sendable {
    private var lines: [String] = []
    private var ended = false
    private let condition = NSCondition()

    init(_ handle: FileHandle) {
        Thread {
            var pending = Data()
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                pending.append(chunk)
                while let newline = pending.firstIndex(of: 0x0A) {
                    let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                    pending.removeSubrange(pending.startIndex...newline)
                    self.condition.lock()
                    self.lines.append(line)
                    self.condition.signal()
                    self.condition.unlock()
                }
            }
            self.condition.lock()
            if !pending.isEmpty { self.lines.append(String(decoding: pending, as: UTF8.self)) }
            self.ended = true
            self.condition.broadcast()
            self.condition.unlock()
        }.start()
    }

    /// The next line, or `nil` if none arrives within `timeout` seconds or the pipe ended without one.
    func next(timeout: TimeInterval) -> String? {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date().addingTimeInterval(timeout)
        while lines.isEmpty {
            if ended || !condition.wait(until: deadline) { return nil }
        }
        return lines.removeFirst()
    }
}

/// The real curl command-line client.
enum Curl {
    static func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["--max-time", "10"] + arguments
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
