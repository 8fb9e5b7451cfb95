import ArgumentParser
import Foundation

/// `scopegate`: the OAuth2 bearer-token gateway. Wiring only; the work is in the ScopeGate library.
@main
struct ScopeGateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scopegate",
        abstract: "An API gateway that verifies OAuth2 bearer tokens (JWT) and forwards by path prefix and scope.",
        subcommands: [Serve.self, Check.self, Explain.self, ImportOpenAPI.self, DemoBackend.self, MintToken.self],
        defaultSubcommand: Serve.self
    )

    /// Usage errors exit with 2 (not ArgumentParser's 64), as `explain` documents.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}

/// `--config FILE`, shared by the commands that read `gateway.json`.
struct ConfigOption: ParsableArguments {
    @Option(name: .long, help: "Path to the gateway configuration.")
    var config: String = "gateway.json"
}

/// Writes a line to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
