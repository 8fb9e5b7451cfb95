import Foundation
import NIOCore
import NIOPosix
@testable import ScopeGateCore
@testable import ScopeGateServer
@testable import ScopeGateDemo

/// A real gateway on 127.0.0.1 (ephemeral port) in front of two real echo backends,
/// with freshly generated RS256 and ES256 keys, a JWKS file, a denial log file and a
/// fixed clock. Everything runs over real sockets; nothing is mocked.
final class GatewayFixture: @unchecked Sendable {
    static let issuer = "https://issuer.test/"
    static let audience = "https://api.example.com"
    /// The injected instant: 2027-01-15T08:00:00Z.
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    let directory: URL
    let rsa: DemoKeyPair
    let ec: DemoKeyPair
    let group: MultiThreadedEventLoopGroup
    let appointments: EchoBackend
    let calendar: EchoBackend
    let gateway: Gateway
    let config: GatewayConfig
    let configPath: String
    let logPath: String

    var port: Int { gateway.port }

    /// Routes: `/appointments` (GET read:appointments, POST write:appointments,
    /// DELETE write:appointments + admin:appointments), `/calendar` (GET read:calendar),
    /// `/calendar/holidays` (GET public).
    /// `jwksSource` replaces the issuer's `{"file": "jwks.json"}` (e.g. a URL source);
    /// `rawBackends`: further `"name": {...}` members of `backends`, verbatim except that
    /// `$APPOINTMENTS_PORT` and `$CALENDAR_PORT` become the echo backends' ports.
    static func start(extraBackends: [String: String] = [:], extraRoutes: String = "", listen: String = "",
                      jwksSource: String = #"{"file": "jwks.json"}"#, extraTopLevel: String = "",
                      rawBackends: String = "", maxBodyBytes: Int = 65536) async throws -> GatewayFixture {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("scopegate-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let rsa = try SharedKeys.rsa
        let ec = SharedKeys.ec
        let jwks = DemoKeyPair.jwksJSON([rsa.publicJWK(alg: .rs256), ec.publicJWK(alg: .es256)])
        try Data(jwks).write(to: directory.appendingPathComponent("jwks.json"))

        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let appointments = try await EchoBackend.start(name: "appointments", host: "127.0.0.1", port: 0, group: group)
        let calendar = try await EchoBackend.start(name: "calendar", host: "127.0.0.1", port: 0, group: group)

        let json = configJSON(appointmentsPort: appointments.port, calendarPort: calendar.port, extraBackends: extraBackends,
                              extraRoutes: extraRoutes, listen: listen, jwksSource: jwksSource, extraTopLevel: extraTopLevel,
                              rawBackends: rawBackends, maxBodyBytes: maxBodyBytes)
        let configPath = directory.appendingPathComponent("gateway.json").path
        try Data(json.utf8).write(to: URL(fileURLWithPath: configPath))
        let config = try ConfigLoader.load(fileAt: configPath)
        let gateway = try await Gateway.start(config: config, clock: { GatewayFixture.now })
        return GatewayFixture(directory: directory, rsa: rsa, ec: ec, group: group, appointments: appointments,
                              calendar: calendar, gateway: gateway, config: config, configPath: configPath,
                              logPath: directory.appendingPathComponent("denials.log").path)
    }

    /// The `gateway.json` that ``start(extraBackends:extraRoutes:listen:jwksSource:extraTopLevel:rawBackends:maxBodyBytes:)``
    /// writes, with the echo backends on `appointmentsPort` and `calendarPort` (the arguments mean the same as
    /// there). `ConfigSchemaTests` validates what it returns against `schema/gateway.schema.json`.
    static func configJSON(appointmentsPort: Int, calendarPort: Int, extraBackends: [String: String] = [:],
                           extraRoutes: String = "", listen: String = "", jwksSource: String = #"{"file": "jwks.json"}"#,
                           extraTopLevel: String = "", rawBackends: String = "", maxBodyBytes: Int = 65536) -> String {
        var backends = "\"appointments\": {\"url\": \"http://127.0.0.1:\(appointmentsPort)\"}, \"calendar\": {\"url\": \"http://127.0.0.1:\(calendarPort)\"}"
        for (name, url) in extraBackends { backends += ", \"\(name)\": {\"url\": \"\(url)\", \"connect_timeout_ms\": 1000, \"timeout_ms\": 2000}" }
        if !rawBackends.isEmpty {
            backends += ", " + rawBackends.replacingOccurrences(of: "$APPOINTMENTS_PORT", with: String(appointmentsPort))
                .replacingOccurrences(of: "$CALENDAR_PORT", with: String(calendarPort))
        }
        return """
        {
          "listen": {"host": "127.0.0.1", "port": 0, "event_loops": 2\(listen)},
          "api": {"issuer": "\(issuer)", "audience": "\(audience)", "jwks": \(jwksSource),
                  "algorithms": ["RS256", "ES256"], "clock_skew_seconds": 60, "realm": "test-api"},
          "backends": {\(backends)},
          "routes": [
            {"prefix": "/appointments", "backend": "appointments",
             "methods": {"GET": ["read:appointments"], "POST": ["write:appointments"], "DELETE": ["write:appointments", "admin:appointments"]}},
            {"prefix": "/calendar", "backend": "calendar", "methods": {"GET": ["read:calendar"]}},
            {"prefix": "/calendar/holidays", "backend": "calendar", "methods": {"GET": "public"}}\(extraRoutes)
          ],
          "limits": {"max_body_bytes": \(maxBodyBytes)},
          "log": {"denials": {"file": "denials.log"}},
          "admin": {"port": 0}\(extraTopLevel)
        }
        """
    }

    private init(directory: URL, rsa: DemoKeyPair, ec: DemoKeyPair, group: MultiThreadedEventLoopGroup,
                 appointments: EchoBackend, calendar: EchoBackend, gateway: Gateway, config: GatewayConfig,
                 configPath: String, logPath: String) {
        self.directory = directory
        self.rsa = rsa
        self.ec = ec
        self.group = group
        self.appointments = appointments
        self.calendar = calendar
        self.gateway = gateway
        self.config = config
        self.configPath = configPath
        self.logPath = logPath
    }

    func shutdown() async throws {
        try await gateway.shutdown()
        try await appointments.shutdown()
        try await calendar.shutdown()
        try await group.shutdownGracefully()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Valid claims at ``now``; `overrides` replace members (`NSNull()` removes one).
    static func claims(_ overrides: [String: Any] = [:]) -> [String: Any] {
        let now = Int(Self.now.timeIntervalSince1970)
        var claims: [String: Any] = [
            "iss": issuer, "aud": audience, "sub": "alice", "client_id": "web-app",
            "iat": now - 10, "exp": now + 3600, "scope": "read:appointments",
        ]
        for (key, value) in overrides {
            if value is NSNull { claims.removeValue(forKey: key) } else { claims[key] = value }
        }
        return claims
    }

    /// A token signed by the fixture's RSA (default) or EC key, with the matching `kid`.
    func token(_ overrides: [String: Any] = [:], key: DemoKeyPair? = nil, header: [String: Any]? = nil) async throws -> String {
        let key = key ?? rsa
        let header = header ?? ["alg": key.algorithm.rawValue, "typ": "at+jwt", "kid": key.keyID]
        return try await TokenMinter.sign(header: header, payload: Self.claims(overrides), with: key.signingKey)
    }

    /// Sends one request on a new connection and reads the response.
    func request(_ method: String, _ target: String, token: String? = nil, headers: [String] = [], body: String? = nil) throws -> RawHTTPResponse {
        let client = try RawHTTPClient(port: port)
        var text = "\(method) \(target) HTTP/1.1\r\nHost: gateway.test\r\n"
        if let token { text += "Authorization: Bearer \(token)\r\n" }
        for header in headers { text += header + "\r\n" }
        if let body { text += "Content-Length: \(body.utf8.count)\r\n" }
        text += "\r\n" + (body ?? "")
        try client.send(text)
        return try client.readResponse(head: method == "HEAD")
    }

    /// The denial log's lines, after everything queued so far was written.
    func logLines() throws -> [String] {
        gateway.eventLog.flush()
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init)
    }

    var backendRequestCount: Int { appointments.requestCount + calendar.requestCount }
    /// Request heads the demo backends received, including requests cut off mid-body.
    var backendHeadCount: Int { appointments.headCount + calendar.headCount }
}

/// RSA key generation is slow in debug builds: generate the test keys once per process.
enum SharedKeys {
    static let rsaResult: Result<DemoKeyPair, any Error> = Result { try DemoKeyPair.rsa(keyID: "test-rs256") }
    static var rsa: DemoKeyPair { get throws { try rsaResult.get() } }
    static let ec = DemoKeyPair.p256(keyID: "test-es256")
}
