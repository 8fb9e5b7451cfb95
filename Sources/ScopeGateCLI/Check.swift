import ArgumentParser
import Foundation
import ScopeGateCore

/// `scopegate check`: validate a config; every problem is printed with its JSON path.
///
/// Beyond the file itself it loads what `serve` would load at start-up from local files
/// (JWKS files, HMAC secrets) and checks that the denial log's directory exists, so that
/// a config `check` accepts does not fail `serve` for those reasons. Remote key sets
/// (`url`, `discovery`) are not fetched: the machine running `check` may not reach the issuer.
///
/// What loads but deserves a word (a JWKS file with no usable key: every token of that issuer
/// would get 401 `unknown_kid`) is printed on stdout as `warning: <json path>: <message>`
/// lines, before the verdict; warnings never change the exit status.
struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate a configuration file; print every problem with its JSON path.",
        discussion: "Exit status: 0 when the file is valid, 1 when it has problems.")

    @OptionGroup var options: ConfigOption

    func run() async throws {
        let config: GatewayConfig
        do {
            config = try ConfigLoader.load(fileAt: options.config)
        } catch let error as ConfigError {
            print(error.description)
            throw ExitCode(1)
        }
        var problems: [ConfigProblem] = []
        var warnings = config.warnings
        do {
            let keys = try await IssuerKeys.load(config.api)
            warnings += config.api.issuers.flatMap { keys[$0.issuer]?.warnings.map(\.problem) ?? [] }
        } catch {
            problems.append(ConfigProblem(path: error.path, message: error.message))
        }
        for (key, destination) in [("log.denials.file", config.log.denials), ("log.access.file", config.log.access)] {
            guard case .file(let path)? = destination else { continue }
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
            var isDirectory: ObjCBool = false
            if !FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) || !isDirectory.boolValue
                || !FileManager.default.isWritableFile(atPath: directory) && !FileManager.default.isWritableFile(atPath: path) {
                problems.append(ConfigProblem(path: key, message: "cannot write \(path): its directory is missing or not writable"))
            }
        }
        for warning in warnings { print("warning: \(warning)") }
        guard problems.isEmpty else {
            print(ConfigError(file: options.config, problems: problems).description)
            throw ExitCode(1)
        }
        print("\(options.config): OK (\(config.api.issuers.count) issuer\(config.api.issuers.count == 1 ? "" : "s"), \(config.routes.count) routes, \(config.backends.count) backends)")
    }
}
