#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest

/// Debian's `chromium` (which `.ci/run` installs), run headless as a real process to load one
/// page and hand back its DOM as the page left it (`--dump-dom`).
///
/// `--virtual-time-budget` makes the dump wait: the page's clock is virtual and does not advance
/// while a network fetch is pending, so the DOM is serialised only once every `fetch` settled
/// and then `budget` virtual milliseconds of idle passed. The page must still say in its DOM
/// that it finished (a result element written last): a dump without it is a failure, never a
/// result.
///
/// Chromium starts in its own process group (`posix_spawn` with `POSIX_SPAWN_SETPGROUP`), so the
/// browser and every helper process it forks (zygote, renderer, GPU, network service) are ended
/// together, by that group's id: after the run, and at once if the run outlives `timeout`. Its
/// two `chrome_crashpad_handler` processes detach into their own sessions; they exit by
/// themselves once the browser is gone, killed or not (`--disable-crashpad-for-testing`, which
/// would keep them from starting, makes Chromium 156 abort at start).
/// Output goes to files in a temporary directory (with the profile, `--user-data-dir`), removed
/// afterwards. Running as root needs `--no-sandbox` (Chromium refuses otherwise); the test
/// machines run tests as root in a container.
enum HeadlessChromium {
    static let executable = "/usr/bin/chromium"

    /// Throws `XCTSkip` when Chromium is not installed, unless `CI` is set: then an error naming
    /// the package.
    static func requireInstalled() throws {
        guard !FileManager.default.isExecutableFile(atPath: executable) else { return }
        let message = "\(executable) is missing: install Debian's chromium package (.ci/run does)"
        if ProcessInfo.processInfo.environment["CI"] == nil { throw XCTSkip(message) }
        throw ScopeGateBinary.ProcessError(message)
    }

    struct Run {
        /// What `--dump-dom` printed: the serialised DOM.
        var dom: String
        /// Chromium's stderr (with `--enable-logging=stderr`, the page's console messages and
        /// the network errors it reported, e.g. `... has been blocked by CORS policy ...`).
        var stderr: String
        /// Wall-clock seconds from the spawn to the exit.
        var seconds: Double
    }

    /// Loads `url` and returns the DOM once the page settled (see the type's comment).
    /// - Parameters:
    ///   - budget: virtual milliseconds the page may stay idle after its last fetch settled.
    ///   - timeout: wall-clock seconds before the whole process group is killed and this throws.
    /// - Throws: when Chromium cannot start, outlives `timeout`, or exits with a status other than 0.
    static func dumpDOM(_ url: String, budget: Int = 3000, timeout: TimeInterval = 10) throws -> Run {
        try requireInstalled()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("scopegate-chromium-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let stdoutPath = directory.appendingPathComponent("dom.html").path
        let stderrPath = directory.appendingPathComponent("stderr.log").path
        let arguments = [
            executable, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--user-data-dir=\(directory.appendingPathComponent("profile").path)",
            "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-default-apps", "--mute-audio",
            "--enable-logging=stderr", "--v=0",
            "--virtual-time-budget=\(budget)", "--dump-dom", url,
        ]
        let started = Date()
        let pid = try spawn(arguments, stdout: stdoutPath, stderr: stderrPath)
        let status = wait(for: pid, timeout: timeout)
        // The browser's helpers share its group: end whatever is left of it (nothing, normally).
        kill(-pid, SIGKILL)
        let seconds = Date().timeIntervalSince(started)
        let dom = (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
        guard let status else {
            throw ScopeGateBinary.ProcessError("chromium did not finish \(url) within \(timeout) s (killed); stderr:\n\(stderr.suffix(4000))")
        }
        guard status == 0 else {
            throw ScopeGateBinary.ProcessError("chromium exited with wait status \(status) on \(url); stderr:\n\(stderr.suffix(4000))")
        }
        return Run(dom: dom, stderr: stderr, seconds: seconds)
    }

    /// Starts `arguments` in a new process group whose id is the returned pid, stdout and stderr
    /// to the files named, stdin from `/dev/null`.
    private static func spawn(_ arguments: [String], stdout: String, stderr: String) throws -> pid_t {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, arguments[0], &actions, &attributes, argv, environ)
        guard result == 0 else { throw ScopeGateBinary.ProcessError("posix_spawn \(arguments[0]) failed: errno \(result)") }
        return pid
    }

    /// Waits for `pid` to exit, at most `timeout` seconds; returns its wait status, or `nil`
    /// after killing its process group when it did not exit in time (it is then reaped too).
    private static func wait(for pid: pid_t, timeout: TimeInterval) -> Int32? {
        let reaped = ReapedStatus()
        DispatchQueue.global().async {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
            reaped.set(status)
        }
        if let status = reaped.wait(timeout: timeout) { return status }
        kill(-pid, SIGKILL)
        _ = reaped.wait(timeout: 10)
        return nil
    }
}

/// The wait status of a reaped child, handed from the waiting thread to the test.
private final class ReapedStatus: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var status: Int32 = 0

    func set(_ status: Int32) {
        self.status = status
        done.signal()
    }

    func wait(timeout: TimeInterval) -> Int32? {
        done.wait(timeout: .now() + timeout) == .success ? status : nil
    }
}
