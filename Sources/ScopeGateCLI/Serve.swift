import ArgumentParser
import Foundation
import ScopeGate

/// `scopegate serve`: run the gateway until SIGINT or SIGTERM.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the gateway.")

    @OptionGroup var options: ConfigOption

    func run() async throws {
        let config: GatewayConfig
        do {
            config = try ConfigLoader.load(fileAt: options.config)
        } catch let error as ConfigError {
            printError(error.description)
            throw ExitCode(2)
        }
        let gateway = try await Gateway.start(config: config)
        printError("scopegate: listening on \(config.listener.host):\(gateway.port) (\(config.routes.count) routes, \(config.backends.count) backends)")
        await SignalWaiter.wait(for: [SIGINT, SIGTERM])
        printError("scopegate: shutting down")
        try await gateway.shutdown()
    }
}
