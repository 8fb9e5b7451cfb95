import ArgumentParser
import NIOPosix
import ScopeGate

/// `scopegate demo-backend`: a small echo service standing in for a microservice in the demo.
struct DemoBackend: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo-backend",
        abstract: "Run a demo echo backend (answers every request with what it received, as JSON).")

    @Option(help: "Name reported in responses (the X-Backend header and the JSON body).")
    var name: String = "demo"

    @Option(help: "Address to bind.")
    var host: String = "127.0.0.1"

    @Option(help: "Port to bind.")
    var port: Int

    func run() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let backend = try await EchoBackend.start(name: name, host: host, port: port, group: group, redactAuthorization: true)
        printError("demo-backend \(name): listening on \(host):\(backend.port)")
        await SignalWaiter.wait(for: [SIGINT, SIGTERM])
        try await backend.shutdown()
        try await group.shutdownGracefully()
    }
}
