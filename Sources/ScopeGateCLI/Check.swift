import ArgumentParser
import ScopeGate

/// `scopegate check`: validate a config; every problem is printed with its JSON path.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate a configuration file; print every problem with its JSON path.",
        discussion: "Exit status: 0 when the file is valid, 1 when it has problems.")

    @OptionGroup var options: ConfigOption

    func run() throws {
        do {
            let config = try ConfigLoader.load(fileAt: options.config)
            print("\(options.config): OK (\(config.routes.count) routes, \(config.backends.count) backends)")
        } catch let error as ConfigError {
            print(error.description)
            throw ExitCode(1)
        }
    }
}
