#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest
@testable import ScopeGateCore

/// An Amazon Cognito user pool as moto emulates it, signed in: `scripts/idp/cognito-emulator.py`
/// run as a real process (`python3` with PyPI `moto[server,cognitoidp]`, which `.ci/run` installs).
/// It serves on 127.0.0.1 (a port the OS picks), prints one JSON line with the pool's issuer,
/// JWKS URL, client IDs and tokens (``Pool``), and serves the JWKS until its standard input closes.
///
/// Without moto the start throws `XCTSkip`, unless `CI` is set: then it throws an error that
/// names what to install. Any other failure to start throws with the helper's stderr.
final class CognitoEmulator {
    /// The helper's JSON line.
    struct Pool: Decodable {
        /// `https://cognito-idp.eu-west-1.amazonaws.com/<pool id>`: the tokens' `iss`.
        var issuer: String
        /// `http://127.0.0.1:<port>/<pool id>/.well-known/jwks.json`.
        var jwksURL: String
        /// App client `scopegate-web`: `accessToken` and `idToken` are from its sign-in.
        var clientID: String
        /// App client `scopegate-other` of the same pool: `otherAccessToken` is from its sign-in.
        var otherClientID: String
        var accessToken: String
        var idToken: String
        var otherAccessToken: String

        enum CodingKeys: String, CodingKey {
            case issuer, jwksURL = "jwks_url", clientID = "client_id", otherClientID = "other_client_id"
            case accessToken = "access_token", idToken = "id_token", otherAccessToken = "other_access_token"
        }
    }

    /// The helper's exit status when `moto`, `boto3` or `joserfc` cannot be imported.
    private static let missingDependencies: Int32 = 3
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("scripts/idp/cognito-emulator.py")

    let pool: Pool
    private let process: Process
    private let input: Pipe
    private let exited: DispatchSemaphore
    private var stopped = false

    /// Starts the helper and waits (at most `timeout` seconds: importing moto takes a few) for its line.
    static func start(timeout: TimeInterval = 60) throws -> CognitoEmulator {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path]
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
        let stdout = LineReader(output.fileHandleForReading)
        let stderr = LineReader(errors.fileHandleForReading)

        guard let line = stdout.next(timeout: timeout),
              let pool = try? JSONDecoder().decode(Pool.self, from: Data(line.utf8)) else {
            stop(process, input: input, exited: exited)
            var messages: [String] = []
            while let message = stderr.next(timeout: 5) { messages.append(message) }   // until its stderr ends
            let why = messages.joined(separator: "\n")
            if process.terminationReason == .exit, process.terminationStatus == missingDependencies {
                let message = "moto's Cognito emulator is not installed (.ci/run installs it): \(why)"
                if ProcessInfo.processInfo.environment["CI"] == nil { throw XCTSkip(message) }
                throw ScopeGateBinary.ProcessError(message)
            }
            throw ScopeGateBinary.ProcessError(
                "\(script.path) did not print its pool within \(timeout) s (exit \(process.isRunning ? "none" : "\(process.terminationStatus)")): \(why)")
        }
        return CognitoEmulator(pool: pool, process: process, input: input, exited: exited)
    }

    private init(pool: Pool, process: Process, input: Pipe, exited: DispatchSemaphore) {
        self.pool = pool
        self.process = process
        self.input = input
        self.exited = exited
    }

    /// Closes the helper's stdin (it stops its server and exits 0); if it has not exited within
    /// 10 s, kills it by its process id. Returns once it is gone; a second call does nothing.
    func stop() {
        guard !stopped else { return }
        stopped = true
        Self.stop(process, input: input, exited: exited)
    }

    private static func stop(_ process: Process, input: Pipe, exited: DispatchSemaphore) {
        try? input.fileHandleForWriting.close()
        if exited.wait(timeout: .now() + 10) == .timedOut {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// The decoded JSON of a compact JWS's protected header (`part` 0) or payload (`part` 1).
    static func decode(_ token: String, part: Int) -> [String: Any] {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let bytes = Base64URL.decode(parts[part].utf8),
              let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else { return [:] }
        return object
    }
}
