import ArgumentParser
import Foundation
import Logging
import ScopeGate
import ServiceLifecycle
import UnixSignals

/// `scopegate serve`: run the gateway until SIGTERM or SIGINT (a graceful drain; a second
/// signal cuts what is left), reloading its config on SIGHUP and, with `--watch`, when the
/// file changes.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the gateway.",
        discussion: """
            SIGTERM or SIGINT: graceful drain (shutdown.drain_delay_ms, then shutdown.grace_ms), then exit 0; \
            a second signal cuts what is still running. SIGHUP: reload the config file.
            """)

    @OptionGroup var options: ConfigOption

    @Option(help: "Override listen.host (e.g. 0.0.0.0 in a container).")
    var host: String?

    @Option(help: "Override listen.port.")
    var port: Int?

    @Option(name: .customLong("event-loops"), help: "Override listen.event_loops.")
    var eventLoops: Int?

    @Option(name: .customLong("upstream-threads"), help: "Override upstream.threads.")
    var upstreamThreads: Int?

    @Option(name: .customLong("admin-host"), help: "Override admin.host (e.g. 0.0.0.0 in a pod, for probes and scraping).")
    var adminHost: String?

    @Option(name: .customLong("admin-port"), help: "Override admin.port.")
    var adminPort: Int?

    @Flag(help: "Reload when the config file or a JWKS/HMAC file it names changes (a replaced file, or a swapped symlink as in a Kubernetes ConfigMap).")
    var watch = false

    func validate() throws {
        if let port, !(0...65535).contains(port) { throw ValidationError("--port must be 0...65535") }
        if let adminPort, !(0...65535).contains(adminPort) { throw ValidationError("--admin-port must be 0...65535") }
        if let eventLoops, !(1...256).contains(eventLoops) { throw ValidationError("--event-loops must be 1...256") }
        if let upstreamThreads, !(1...64).contains(upstreamThreads) { throw ValidationError("--upstream-threads must be 1...64") }
    }

    /// The command line's overrides, applied to the file at start-up and on every reload.
    var overrides: @Sendable (inout GatewayConfig) -> Void {
        let (host, port, eventLoops, upstreamThreads, adminHost, adminPort) =
            (self.host, self.port, self.eventLoops, self.upstreamThreads, self.adminHost, self.adminPort)
        return { config in
            if let host { config.listener.host = host }
            if let port { config.listener.port = port }
            if let eventLoops { config.listener.eventLoops = eventLoops }
            if let upstreamThreads { config.upstream.threads = upstreamThreads }
            if adminHost != nil || adminPort != nil, config.admin == nil { config.admin = AdminConfig() }
            if let adminHost { config.admin?.host = adminHost }
            if let adminPort { config.admin?.port = adminPort }
        }
    }

    func run() async throws {
        // Signals are trapped first: from here on none of them can kill the process.
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint, .sighup)
        var config: GatewayConfig
        do {
            config = try ConfigLoader.load(fileAt: options.config)
        } catch let error as ConfigError {
            printError(error.description)
            throw ExitCode(2)
        }
        overrides(&config)
        if let admin = config.admin, admin.port != 0, admin.port == config.listener.port, admin.host == config.listener.host {
            printError("admin.port: \(admin.port) is also listen.port (after the command-line overrides): the admin listener needs its own port")
            throw ExitCode(2)
        }
        let gateway = try await Gateway.start(config: config)
        let admin = gateway.adminPort.map { ", admin on \(config.admin?.host ?? ""):\($0)" } ?? ""
        printError("scopegate: listening on \(config.listener.host):\(gateway.port)\(admin) (\(config.routes.count) routes, \(config.backends.count) backends)")

        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: DrainService(gateway: gateway))]
        if watch {
            services.append(.init(service: WatchService(gateway: gateway, path: options.config, overrides: overrides),
                                  successTerminationBehavior: .gracefullyShutdownGroup))
        }
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: services, logger: Logger(label: "scopegate", factory: { _ in SwiftLogNoOpLogHandler() })))
        let running = Task { try await group.run() }
        // SIGHUP reloads, on a task of its own: a reload waiting on a slow JWKS fetch must never
        // hold back a SIGTERM. Hangups that arrive while one runs are coalesced into one more.
        let (hangups, hangup) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let reloader = Task { [path = options.config, overrides] in
            for await _ in hangups {
                await gateway.reload(fileAt: path, trigger: "SIGHUP", adjust: overrides)
            }
        }
        // The first SIGTERM or SIGINT starts the graceful shutdown (the drain); a second one
        // cancels it, which cuts what is still running.
        let signalLoop = Task {
            var stopping = false
            for await signal in signals {
                switch signal {
                case .sighup:
                    gateway.eventLog.reopen()   // logrotate moved the files: write to new ones
                    hangup.yield()
                default:
                    if stopping {
                        running.cancel()
                    } else {
                        stopping = true
                        await group.triggerGracefulShutdown()
                    }
                }
            }
        }
        try await running.value
        signalLoop.cancel()
        hangup.finish()
        reloader.cancel()
        try await gateway.shutdown()
    }
}

/// Waits for the graceful-shutdown signal, then drains the gateway (cancelled by a second signal).
struct DrainService: Service {
    let gateway: Gateway

    func run() async throws {
        try? await gracefulShutdown()
        await gateway.drain()
    }
}

/// `serve --watch`: reloads the config file when it, or a key file it names, changes; ends
/// with the graceful shutdown.
struct WatchService: Service {
    let gateway: Gateway
    let path: String
    let overrides: @Sendable (inout GatewayConfig) -> Void

    func run() async throws {
        let watcher = ConfigFileWatcher(path: path, files: { [gateway] in gateway.config.keyFiles })
        for await _ in watcher.changes().cancelOnGracefulShutdown() {
            await gateway.reload(fileAt: path, trigger: "watch", adjust: overrides)
        }
    }
}
