import ArgumentParser
import Foundation
import ScopeGateCore
import ScopeGateObservability
import ScopeGateServer

/// `scopegate explain`: the decision `serve` would take for one request, without serving.
struct Explain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the decision the gateway would take for a request.",
        discussion: "Exit status: 0 allowed, 1 denied, 2 usage or configuration error (with --json, printed as JSON too).")

    @OptionGroup var options: ConfigOption

    @Option(help: "The bearer token (omit to explain a request without credentials).")
    var token: String?

    @Option(help: "Evaluate time claims at this instant, in Unix seconds (default: now).")
    var now: Double?

    @Option(help: "The request's Origin (a browser's cross-origin call), to see its CORS answer.")
    var origin: String?

    @Option(name: .customLong("preflight-method"),
            help: "With OPTIONS and --origin: the Access-Control-Request-Method of a CORS preflight.")
    var preflightMethod: String?

    @Option(name: .customLong("preflight-headers"),
            help: "With --preflight-method: the Access-Control-Request-Headers, e.g. \"authorization, content-type\".")
    var preflightHeaders: String?

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    @Argument(help: "HTTP method, e.g. GET.")
    var method: String

    @Argument(help: "Request target, e.g. /appointments/42?view=full.")
    var path: String

    func run() async throws {
        let config: GatewayConfig
        let verifier: TokenVerifier
        do {
            config = try ConfigLoader.load(fileAt: options.config)
            let remote = try await FetchedKeySources.fetch(api: config.api)
            for failure in remote.failures {
                printError("warning: keys of issuer \(failure.issuer) could not be fetched: \(failure.error)")
            }
            verifier = try await TokenVerifier.load(
                api: config.api, keySources: remote.sources, maxTokenBytes: config.limits.maxTokenBytes)
        } catch {
            if json {
                let problems: [ConfigProblem]
                switch error {
                case let error as ConfigError: problems = error.problems
                case let error as KeyLoadError: problems = [ConfigProblem(path: error.path, message: error.message)]
                default: problems = [ConfigProblem(path: "$", message: "\(error)")]
                }
                print(DecisionReport.failureJSON(problems), terminator: "")
            } else {
                printError("\(error)")
            }
            throw ExitCode(2)
        }
        let policy = AccessPolicy(config: config, verifier: verifier)
        let headerValue = config.api.token.usesBearerScheme ? token.map { "Bearer \($0)" } : token
        let request = AccessRequest(method: method, target: path, tokenHeaderValues: headerValue.map { [$0] } ?? [],
                                    origin: origin, preflightMethod: preflightMethod,
                                    preflightHeaders: preflightHeaders.map { [$0] } ?? [])
        let instant = now.map { Date(timeIntervalSince1970: $0) } ?? Date()
        let decision: Decision
        switch policy.decide(request, now: instant) {
        case .decided(let decided):
            decision = decided
        case .awaitingKeys(let wait):
            // The issuer's set lacked the kid and its source refetches: the same wait as `serve`.
            await wait.keysArrived()
            decision = policy.resume(wait, now: instant)
        }
        let report = DecisionReport(method: method, target: path, decision: decision, presentedToken: token)
        if json {
            print(report.json, terminator: "")
        } else {
            print(report.text)
        }
        if case .deny = decision { throw ExitCode(1) }
    }
}
