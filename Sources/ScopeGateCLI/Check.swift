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
/// What loads but deserves a word is printed on stdout before the verdict, one
/// `warning: <json path>: <message> (<rule>; fix: <hint>)` line each: the decoder's warnings
/// (`check_audience: false`, wildcard CORS origins), a JWKS file with no usable key, and the
/// findings of ``PolicyLint`` (the policy itself: routes less protected than the route they sit
/// under, scopes missing from `api.scopes`, ...). A finding `lint.accept` covers is printed as
/// `accepted: <json path>: <message> (<rule>; reason: <reason>)` instead. Warnings change the
/// exit status only with `--strict`. `--json` prints one document instead:
/// `{"valid", "problems": [{"path", "message"}], "warnings": [{"rule", "path", "message", "hint"}],
/// "accepted": [{"rule", "path", "message", "reason"}]}`.
struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate a configuration file; print every problem with its JSON path, and lint the policy.",
        discussion: "Exit status: 0 when the file is valid, 1 when it has problems (with --strict, also when it has warnings).")

    @OptionGroup var options: ConfigOption

    @Flag(help: "Exit 1 when there is any warning, not only on problems.")
    var strict = false

    @Flag(help: "Print one JSON object instead of text: {\"valid\", \"problems\", \"warnings\", \"accepted\"}.")
    var json = false

    func run() async throws {
        let config: GatewayConfig
        do {
            config = try ConfigLoader.load(fileAt: options.config)
        } catch let error as ConfigError {
            if json {
                print(Self.document(valid: false, problems: error.problems, warnings: [], accepted: []))
            } else {
                print(error.description)
            }
            throw ExitCode(1)
        }
        var problems: [ConfigProblem] = []
        var keyWarnings: [ConfigProblem] = []
        do {
            let keys = try await IssuerKeys.load(config.api)
            keyWarnings += config.api.issuers.flatMap { keys[$0.issuer]?.warnings.map(\.problem) ?? [] }
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
        let (warnings, accepted) = PolicyLint.review(config, keyWarnings: keyWarnings)
        let failed = !problems.isEmpty || strict && !warnings.isEmpty

        if json {
            print(Self.document(valid: problems.isEmpty, problems: problems, warnings: warnings, accepted: accepted))
            if failed { throw ExitCode(1) }
            return
        }
        for warning in warnings { print("warning: \(warning)") }
        for (finding, acceptance) in accepted {
            print("accepted: \(finding.path): \(finding.message) (\(finding.rule.rawValue); reason: \(acceptance.reason))")
        }
        guard problems.isEmpty else {
            print(ConfigError(file: options.config, problems: problems).description)
            throw ExitCode(1)
        }
        if strict && !warnings.isEmpty {
            print("\(options.config): \(warnings.count) warning\(warnings.count == 1 ? "" : "s") (--strict)")
            throw ExitCode(1)
        }
        print("\(options.config): OK (\(config.api.issuers.count) issuer\(config.api.issuers.count == 1 ? "" : "s"), \(config.routes.count) routes, \(config.backends.count) backends)")
    }

    static func document(valid: Bool, problems: [ConfigProblem], warnings: [LintFinding],
                         accepted: [(finding: LintFinding, acceptance: LintAcceptance)]) -> String {
        let object: [String: Any] = [
            "valid": valid,
            "problems": problems.map { ["path": $0.path, "message": $0.message] },
            "warnings": warnings.map { ["rule": $0.rule.rawValue, "path": $0.path, "message": $0.message, "hint": $0.hint] },
            "accepted": accepted.map {
                ["rule": $0.finding.rule.rawValue, "path": $0.finding.path, "message": $0.finding.message, "reason": $0.acceptance.reason]
            },
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
