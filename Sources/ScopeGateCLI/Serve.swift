import ArgumentParser
import Foundation
import ScopeGate

/// `scopegate serve`: run the gateway until SIGINT or SIGTERM.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the gateway.")

    @OptionGroup var options: ConfigOption

    @Option(help: "Override listen.host (e.g. 0.0.0.0 in a container).")
    var host: String?

    @Option(help: "Override listen.port.")
    var port: Int?

    @Option(name: .customLong("event-loops"), help: "Override listen.event_loops.")
    var eventLoops: Int?

    @Option(name: .customLong("upstream-threads"), help: "Override upstream.threads.")
    var upstreamThreads: Int?

    func run() async throws {
        var config: GatewayConfig
        do {
            config = try ConfigLoader.load(fileAt: options.config)
        } catch let error as ConfigError {
            printError(error.description)
            throw ExitCode(2)
        }
        if let host { config.listener.host = host }
        if let port {
            guard (0...65535).contains(port) else { throw ValidationError("--port must be 0...65535") }
            config.listener.port = port
        }
        if let eventLoops {
            guard (1...256).contains(eventLoops) else { throw ValidationError("--event-loops must be 1...256") }
            config.listener.eventLoops = eventLoops
        }
        if let upstreamThreads {
            guard (1...64).contains(upstreamThreads) else { throw ValidationError("--upstream-threads must be 1...64") }
            config.upstream.threads = upstreamThreads
        }
        let gateway = try await Gateway.start(config: config)
        printError("scopegate: listening on \(config.listener.host):\(gateway.port) (\(config.routes.count) routes, \(config.backends.count) backends)")
        await SignalWaiter.wait(for: [SIGINT, SIGTERM])
        printError("scopegate: shutting down")
        try await gateway.shutdown()
    }
}
