import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals
import ScopeGateCore
import ScopeGateServer

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

    @Option(name: .customLong("upstream-threads"), help: "Override upstream.threads (threads for requests started off the event loops; serve forwards on its event loops).")
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
        // Taken before the config is read: an edit after that read is a change for --watch.
        let watchBaseline = watch ? ConfigFileWatcher.baseline(path: options.config) : nil
        var config: GatewayConfig
        do {
            config = try ConfigLoader.load(fileAt: options.config)
        } catch let error as ConfigError {
            printError(error.description)
            throw ExitCode(2)
        }
        overrides(&config)
        // What `scopegate check` warns about (shadow mode included), less what lint.accept keeps.
        for warning in PolicyLint.review(config).warnings { printError("scopegate: warning: \(warning)") }
        if let admin = config.admin, admin.clashes(with: config.listener) {
            printError("admin.port: \(admin.port) is also listen.port (on \(admin.host) and \(config.listener.host), after the command-line overrides): the admin listener needs its own port")
            throw ExitCode(2)
        }
        let gateway: Gateway
        do {
            gateway = try await Gateway.start(config: config)
        } catch let error as ListenerBindError {
            printError(error.description)
            throw ExitCode(1)
        }
        let admin = gateway.adminPort.map { ", admin on \(config.admin?.host ?? ""):\($0)" } ?? ""
        printError("scopegate: listening on \(config.listener.host):\(gateway.port)\(admin) (\(config.routes.count) routes, \(config.backends.count) backends)")

        // Reloads (SIGHUP, --watch) run on a task of their own, outside the service group: a
        // reload waiting on a slow JWKS fetch must never hold back a SIGTERM's drain. Requests
        // that arrive while one runs are coalesced into one more.
        let (reloadRequests, requestReload) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let reloader = Task { [path = options.config, overrides] in
            for await trigger in reloadRequests {
                await gateway.reload(fileAt: path, trigger: trigger, adjust: overrides)
            }
        }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: DrainService(gateway: gateway))]
        if let watchBaseline {
            let watcher = ConfigFileWatcher(path: options.config, files: { [gateway] in gateway.config.keyFiles })
            services.append(.init(service: WatchService(watcher: watcher, baseline: watchBaseline,
                                                        requestReload: { requestReload.yield("watch") }),
                                  successTerminationBehavior: .gracefullyShutdownGroup))
        }
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: services, logger: Logger(label: "scopegate", factory: { _ in SwiftLogNoOpLogHandler() })))
        let running = Task { try await group.run() }
        // The first SIGTERM or SIGINT starts the graceful shutdown (the drain); a second one
        // cancels it, which cuts what is still running.
        let signalLoop = Task {
            var stopping = false
            for await signal in signals {
                switch signal {
                case .sighup:
                    gateway.eventLog.reopen()   // logrotate moved the files: write to new ones
                    requestReload.yield("SIGHUP")
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
        requestReload.finish()
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
    let watcher: ConfigFileWatcher
    /// The files as they were when `serve` read its config.
    let baseline: ConfigFileWatcher.Baseline
    /// Asks for a reload without waiting for it (reloads run outside the service group).
    let requestReload: @Sendable () -> Void

    func run() async throws {
        for await _ in watcher.changes(since: baseline).cancelOnGracefulShutdown() {
            requestReload()
        }
    }
}
