import Foundation
import XCTest

/// `backends.NAME.http2`: the gateway speaks HTTP/2 (h2c, prior knowledge) to a real nginx
/// backend, and HTTP/1.1 without the option. Skipped where nginx is not installed (`.ci/run`
/// installs it).
final class HTTP2BackendTests: XCTestCase {
    private var fixture: GatewayFixture?
    private var nginxPIDFile: URL?
    private var directory: URL?

    override func tearDown() async throws {
        try await fixture?.shutdown()
        if let pidFile = nginxPIDFile, let text = try? String(contentsOf: pidFile, encoding: .utf8),
           let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
            kill(pid, SIGTERM)
        }
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }

    /// Starts nginx answering every request with its `$server_protocol`, on both an h2c and
    /// an HTTP/1.1 port. Returns the two ports once nginx is listening (its launcher exits
    /// only after binding, when it daemonises).
    private func startNginx() throws -> (h2c: Int, http1: Int) {
        let nginx = ["/usr/sbin/nginx", "/usr/bin/nginx"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let nginx else { throw XCTSkip("nginx is not installed") }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("scopegate-h2-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.directory = directory
        let h2c = try ClosedPort.find(), http1 = try ClosedPort.find()
        let pidFile = directory.appendingPathComponent("nginx.pid")
        nginxPIDFile = pidFile
        let conf = """
        worker_processes 1;
        pid \(pidFile.path);
        error_log \(directory.path)/error.log;
        events { worker_connections 64; }
        http {
          access_log off;
          client_body_temp_path \(directory.path); proxy_temp_path \(directory.path); fastcgi_temp_path \(directory.path);
          uwsgi_temp_path \(directory.path); scgi_temp_path \(directory.path);
          server { listen 127.0.0.1:\(h2c) http2; location / { return 200 "$server_protocol"; } }
          server { listen 127.0.0.1:\(http1); location / { return 200 "$server_protocol"; } }
        }
        """
        let confFile = directory.appendingPathComponent("nginx.conf")
        try Data(conf.utf8).write(to: confFile)
        // posix_spawn + waitpid rather than Process: Foundation's Process notices an exit only
        // when every holder of its status descriptor is gone, and the daemonised master keeps it.
        var pid: pid_t = 0
        let arguments = [nginx, "-p", directory.path, "-c", confFile.path]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        guard posix_spawn(&pid, nginx, nil, nil, &argv, environ) == 0 else { throw XCTSkip("nginx could not be spawned") }
        var status: Int32 = 0
        waitpid(pid, &status, 0)   // the launcher exits once the master has bound its ports
        guard status == 0 else { throw XCTSkip("nginx could not start here (wait status \(status))") }
        return (h2c, http1)
    }

    func testHTTP2OptionSpeaksH2ToTheBackend() async throws {
        let ports = try startNginx()
        fixture = try await GatewayFixture.start(
            extraRoutes: """
                , {"prefix": "/h2", "backend": "h2", "methods": {"GET": "public"}},
                  {"prefix": "/h1", "backend": "h1", "methods": {"GET": "public"}}
                """,
            rawBackends: """
                "h2": {"url": "http://127.0.0.1:\(ports.h2c)", "http2": true},
                "h1": {"url": "http://127.0.0.1:\(ports.http1)"}
                """)
        let overH2 = try fixture!.request("GET", "/h2/x")
        XCTAssertEqual(overH2.status, 200)
        XCTAssertEqual(overH2.bodyText, "HTTP/2.0")
        let overH1 = try fixture!.request("GET", "/h1/x")
        XCTAssertEqual(overH1.bodyText, "HTTP/1.1")
    }
}
