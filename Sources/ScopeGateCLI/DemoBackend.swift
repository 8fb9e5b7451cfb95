import ArgumentParser
import NIOCore
import NIOPosix
import ScopeGateDemo

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

    @Option(name: .customLong("delay-ms"), help: "Answer every request this many milliseconds after it ended (a slow backend; a timer on the event loop, no thread waits).")
    var delayMilliseconds: Int = 0

    func validate() throws {
        guard delayMilliseconds >= 0 else { throw ValidationError("--delay-ms must be 0 or more") }
    }

    func run() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let delay: TimeAmount? = delayMilliseconds > 0 ? .milliseconds(Int64(delayMilliseconds)) : nil
        let backend = try await EchoBackend.start(name: name, host: host, port: port, group: group,
                                                  redactAuthorization: true, delay: delay)
        printError("demo-backend \(name): listening on \(host):\(backend.port)"
                   + (delay == nil ? "" : " (every answer delayed by \(delayMilliseconds) ms)"))
        await SignalWaiter.wait(for: [SIGINT, SIGTERM])
        try await backend.shutdown()
        try await group.shutdownGracefully()
    }
}
