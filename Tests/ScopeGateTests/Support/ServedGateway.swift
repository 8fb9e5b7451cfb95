import Foundation
#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOPosix
import XCTest
@testable import ScopeGateCore
@testable import ScopeGateDemo

/// `scopegate serve` as a real process, for the lifecycle tests (signals, reloads, the admin
/// listener): a config written to a temporary directory, real echo backends and a real JWKS
/// server in this process, the process's stderr read line by line.
///
/// Synchronisation is always on something the gateway or a backend reports (a log line, a
/// request count), with a bound; never on a sleep.
final class ServedGateway: @unchecked Sendable {
    static let issuer = "https://issuer.lifecycle.test/"
    static let audience = "https://api.example.com"

    let directory: URL
    let group: MultiThreadedEventLoopGroup
    /// Answers every request after `backendDelay`.
    let slow: EchoBackend
    /// Answers at once.
    let fast: EchoBackend
    /// Serves `/jwks.json` (the issuer's keys) and counts fetches.
    let jwks: JWKSTestServer
    let key: DemoKeyPair
    let process = Process()
    let stderr: LineReader
    /// Every stderr line read so far by ``waitForLine(_:timeout:)``.
    private(set) var lines: [String] = []
    private(set) var port = 0
    private(set) var adminPort = 0
    let configPath: String

    /// The config text with `$SLOW`, `$FAST`, `$JWKS` replaced by the backends' and JWKS server's
    /// URLs; see ``config(routes:extra:)`` for the usual one.
    static func start(config: (ServedGateway) -> String = { $0.config() }, backendDelay: TimeAmount = .seconds(3),
                      arguments: [String] = [], configFileName: String = "gateway.json",
                      prepare: (URL, String) throws -> String? = { _, _ in nil }) async throws -> ServedGateway {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("scopegate-life-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let slow = try await EchoBackend.start(name: "slow", host: "127.0.0.1", port: 0, group: group, delay: backendDelay)
        let fast = try await EchoBackend.start(name: "fast", host: "127.0.0.1", port: 0, group: group)
        let jwks = try await JWKSTestServer(group: group)
        let key = try SharedKeys.rsa
        jwks.serveJWKS("/jwks.json", [key])
        let served = ServedGateway(directory: directory, group: group, slow: slow, fast: fast, jwks: jwks, key: key,
                                   configPath: directory.appendingPathComponent(configFileName).path)
        // `prepare` may lay the config text out itself (a symlinked ConfigMap) and return the path to serve.
        let text = config(served)
        let path: String
        if let prepared = try prepare(directory, text) {
            path = prepared
        } else {
            path = served.configPath
            try served.write(text, to: path)
        }
        served.process.executableURL = try ScopeGateBinary.url
        served.process.arguments = ["serve", "--config", path] + arguments
        served.process.standardOutput = FileHandle.nullDevice
        try served.process.run()
        do {
            try served.waitUntilServing(configText: text)
        } catch {
            await served.stop()   // a start that failed must not leave the gateway process behind
            throw error
        }
        return served
    }

    /// Waits for the listening line (and reads the ports from it), then for the keys of a remote issuer.
    private func waitUntilServing(configText text: String) throws {
        let listening = try waitForLine("scopegate: listening on", timeout: 30)
        // "scopegate: listening on 127.0.0.1:PORT, admin on 127.0.0.1:APORT (...)"
        func port(after marker: String) -> Int {
            Int(listening.components(separatedBy: marker).dropFirst().first?.prefix(while: \.isNumber) ?? "") ?? 0
        }
        self.port = port(after: "listening on 127.0.0.1:")
        self.adminPort = port(after: "admin on 127.0.0.1:")
        // A remote issuer's keys are fetched after the listeners open: every test starts once
        // the gateway logged them loaded (the line follows the swap of the key set).
        if let config = try? ConfigLoader.decode(Data(text.utf8)), config.api.issuers.contains(where: { $0.jwks.isRemote }) {
            try waitForLine("JWKS loaded from")
        }
    }

    private init(directory: URL, group: MultiThreadedEventLoopGroup, slow: EchoBackend, fast: EchoBackend,
                 jwks: JWKSTestServer, key: DemoKeyPair, configPath: String) {
        self.directory = directory
        self.group = group
        self.slow = slow
        self.fast = fast
        self.jwks = jwks
        self.key = key
        self.configPath = configPath
        let pipe = Pipe()
        process.standardError = pipe
        stderr = LineReader(pipe.fileHandleForReading)
    }

    /// A config: `/slow` (GET `read:slow`) on the slow backend, `/fast` (GET `read:fast`) on the
    /// fast one, the issuer's keys from the JWKS server, admin on a free port, denials and access
    /// lines on stderr. `shutdown` is the `shutdown` object's members.
    func config(slowScopes: String = #"["read:slow"]"#, shutdown: String = #""drain_delay_ms": 1500, "grace_ms": 20000"#,
                extraTopLevel: String = "") -> String {
        """
        {
          "listen": {"host": "127.0.0.1", "port": 0, "event_loops": 2},
          "admin": {"host": "127.0.0.1", "port": 0},
          "api": {"issuer": "\(Self.issuer)", "audience": "\(Self.audience)", "jwks": {"url": "\(jwks.url("/jwks.json"))"}},
          "backends": {"slow": {"url": "http://127.0.0.1:\(slow.port)"}, "fast": {"url": "http://127.0.0.1:\(fast.port)"}},
          "routes": [
            {"prefix": "/slow", "backend": "slow", "methods": {"GET": \(slowScopes)}},
            {"prefix": "/fast", "backend": "fast", "methods": {"GET": ["read:fast"]}}
          ],
          "log": {"denials": "stderr", "access": "stderr", "stats_interval_seconds": 0},
          "shutdown": {\(shutdown)}\(extraTopLevel)
        }
        """
    }

    func write(_ text: String, to path: String? = nil) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path ?? configPath), options: .atomic)
    }

    /// A token valid now (the process checks against the real clock).
    func token(scope: String) async throws -> String {
        let now = Int(Date().timeIntervalSince1970)
        let claims: [String: Any] = ["iss": Self.issuer, "aud": Self.audience, "sub": "alice", "client_id": "web-app",
                                     "iat": now - 5, "exp": now + 600, "scope": scope]
        return try await TokenMinter.sign(header: ["alg": "RS256", "typ": "at+jwt", "kid": key.keyID], payload: claims,
                                          with: key.signingKey)
    }

    /// The next stderr line containing `text` (earlier lines are kept in ``lines``).
    @discardableResult
    func waitForLine(_ text: String, timeout: TimeInterval = 10) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let left = deadline.timeIntervalSinceNow
            guard left > 0, let line = stderr.next(timeout: left) else {
                throw ScopeGateBinary.ProcessError("no stderr line with \"\(text)\" within \(timeout) s; lines so far:\n\(lines.joined(separator: "\n"))")
            }
            lines.append(line)
            if line.contains(text) { return line }
        }
    }

    /// The JSON object of a log line.
    static func object(_ line: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] ?? [:]
    }

    func signal(_ number: Int32) {
        kill(process.processIdentifier, number)
    }

    /// Waits (bounded) for the process to exit; returns its status, or nil if it is still running.
    func waitForExit(timeout: TimeInterval) -> Int32? {
        let exited = DispatchSemaphore(value: 0)
        let process = self.process
        DispatchQueue.global().async {
            process.waitUntilExit()
            exited.signal()
        }
        guard exited.wait(timeout: .now() + timeout) == .success else { return nil }
        return process.terminationStatus
    }

    /// One GET on the admin listener: status and body.
    func admin(_ path: String) throws -> RawHTTPResponse {
        let client = try RawHTTPClient(port: adminPort)
        try client.send("GET \(path) HTTP/1.1\r\nHost: admin\r\nConnection: close\r\n\r\n")
        return try client.readResponse()
    }

    /// Waits (bounded) until `backend` has received `count` request heads (woken by each head).
    func waitForHeads(_ backend: EchoBackend, _ count: Int, timeout: TimeInterval = 10) throws {
        guard backend.waitForHeads(count, timeout: timeout) else {
            throw ScopeGateBinary.ProcessError("\(backend.name) did not receive \(count) request head(s) within \(timeout) s")
        }
    }

    func stop() async {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? await slow.shutdown()
        try? await fast.shutdown()
        try? await jwks.stop()
        try? await group.shutdownGracefully()
        try? FileManager.default.removeItem(at: directory)
    }
}

/// A request on its own connection, answered on a background thread (for a request that is
/// still in flight while the test acts).
final class BackgroundRequest: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var result: Result<RawHTTPResponse, any Error>?

    init(port: Int, _ text: String) {
        DispatchQueue.global().async { [self] in
            result = Result {
                let client = try RawHTTPClient(port: port, timeout: 30)
                try client.send(text)
                return try client.readResponse()
            }
            done.signal()
        }
    }

    func response(timeout: TimeInterval) throws -> RawHTTPResponse {
        guard done.wait(timeout: .now() + timeout) == .success, let result else {
            throw ScopeGateBinary.ProcessError("no response within \(timeout) s")
        }
        return try result.get()
    }
}

/// A TCP socket on 127.0.0.1 that listens and never accepts or answers: a JWKS server that
/// hangs, or an address already in use. Closed by ``close()``.
final class HangingListener {
    let descriptor: Int32
    let port: Int

    init() {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = listen(fd, 16)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        descriptor = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    /// Whether a connection is waiting to be accepted within `milliseconds`.
    func hasPendingConnection(within milliseconds: Int32) -> Bool {
        var pending = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        return poll(&pending, 1, milliseconds) == 1
    }

    func close() { _ = Glibc.close(descriptor) }
}

/// A mounted Kubernetes ConfigMap as the kubelet lays it out: each file is a symlink
/// `NAME -> ..data/NAME`, `..data` a symlink to the current version directory.
enum ConfigMapMount {
    /// Lays out version `..v1` holding `files` in `directory`; returns the path of `gateway.json`.
    static func create(in directory: URL, files: [String: Data]) throws -> String {
        try writeVersion("..v1", files: files, in: directory)
        try FileManager.default.createSymbolicLink(atPath: directory.appendingPathComponent("..data").path,
                                                   withDestinationPath: "..v1")
        for name in files.keys {
            try FileManager.default.createSymbolicLink(atPath: directory.appendingPathComponent(name).path,
                                                       withDestinationPath: "..data/\(name)")
        }
        return directory.appendingPathComponent("gateway.json").path
    }

    /// The kubelet's update: writes `version` beside, points a new symlink at it and renames it
    /// over `..data`, atomically.
    static func swap(in directory: URL, to version: String, files: [String: Data]) throws {
        try writeVersion(version, files: files, in: directory)
        let staged = directory.appendingPathComponent("..data_tmp").path
        try FileManager.default.createSymbolicLink(atPath: staged, withDestinationPath: version)
        guard rename(staged, directory.appendingPathComponent("..data").path) == 0 else {
            throw ScopeGateBinary.ProcessError("rename ..data_tmp over ..data failed: errno \(errno)")
        }
    }

    private static func writeVersion(_ version: String, files: [String: Data], in directory: URL) throws {
        let folder = directory.appendingPathComponent(version)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (name, content) in files { try content.write(to: folder.appendingPathComponent(name)) }
    }
}
