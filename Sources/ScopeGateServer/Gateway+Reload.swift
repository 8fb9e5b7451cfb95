import Foundation
import NIOCore
import ScopeGateCore
import ScopeGateObservability

/// Live reload: a new configuration generation, or a refusal.
extension Gateway {
    /// What a reload did.
    public enum ReloadOutcome: Sendable, Equatable {
        /// The new configuration is live, as this generation.
        case applied(generation: Int)
        /// The running configuration stays; every problem, with its JSON path.
        case refused([ConfigProblem])
    }

    /// Replaces the running configuration with `config`, atomically, or refuses it whole.
    ///
    /// Runs off the event loops (JWKS and secret files are read here). Refused, with the
    /// running configuration kept: a change that cannot apply live (``LiveReloadRules``), keys
    /// that cannot be loaded (a JWKS or secret file), or a new or changed remote issuer whose
    /// keys cannot be fetched now (fail closed: the running keys keep serving). Applied: new requests are decided under the new generation;
    /// requests in flight finish under the one their head arrived in. Issuers whose keys are
    /// configured the same keep their fetched keys (no refetch), backends configured the same
    /// keep their pools (and the engine keeps every pooled connection). Each outcome is one
    /// `reload` line and counts in `scopegate_config_reloads_total`.
    /// - Parameter trigger: what asked for it, for the log (`SIGHUP`, `watch`).
    @discardableResult
    public func reload(_ config: GatewayConfig, trigger: String) async -> ReloadOutcome {
        await reloads.run { [self] in
            let current = context.active.generation
            let problems = LiveReloadRules.problems(running: current.config, new: config)
            guard problems.isEmpty else { return refuse(problems, trigger: trigger, generation: current.number) }
            let next: ConfigGeneration
            do {
                next = try await Self.build(number: current.number + 1, config: config, previous: current, engine: engine,
                                            eventLoop: group.next(), eventLog: eventLog, metrics: metrics, clock: clock,
                                            injected: injectedKeySources.filter { issuer, _ in
                                                config.api.issuers.contains { $0.issuer == issuer } })
            } catch let error as KeyLoadError {
                return refuse([ConfigProblem(path: error.path, message: error.message)], trigger: trigger,
                              generation: current.number)
            } catch {
                return refuse([ConfigProblem(path: "$", message: "\(error)")], trigger: trigger, generation: current.number)
            }
            // A new or changed remote issuer must have its keys before the switch: applied without
            // them, every replica reloading the same ConfigMap would turn unready at once.
            let unfetched = await next.remoteKeys.prefetchNew(comparedTo: current.remoteKeys)
            guard unfetched.isEmpty else {
                next.remoteKeys.discardNew(comparedTo: current.remoteKeys)
                let problems = unfetched.map { failure in
                    let index = config.api.issuers.firstIndex { $0.issuer == failure.issuer } ?? 0
                    return ConfigProblem(path: "api.issuers[\(index)].jwks",
                                         message: "keys of \(failure.issuer) could not be fetched (\(failure.error)); the running configuration keeps its keys")
                }
                return refuse(problems, trigger: trigger, generation: current.number)
            }
            let previous = context.active.swap(to: next)
            next.logKeyWarnings(to: eventLog)
            next.remoteKeys.start()   // only new sources start fetching: reused ones are running
            next.remoteKeys.retire(previous.remoteKeys)
            metrics.recordReload(applied: true, generation: next.number)
            eventLog.write(LifecycleEvent.reload(
                applied: true, generation: next.number, trigger: trigger, problems: [], time: Date(),
                details: [("remote_issuers_kept", next.remoteKeys.reused(from: previous.remoteKeys)),
                          ("backends_kept", next.pools.reused(from: previous.pools)),
                          ("routes", config.routes.count)]))
            return .applied(generation: next.number)
        }
    }

    /// Reads, checks and applies the config file at `path` (see ``reload(_:trigger:)``).
    /// - Parameter adjust: what the command line overrides (`--host`, `--port`, ...), applied
    ///   to the new file as at start-up.
    @discardableResult
    public func reload(fileAt path: String, trigger: String,
                       adjust: @Sendable (inout GatewayConfig) -> Void = { _ in }) async -> ReloadOutcome {
        var config: GatewayConfig
        do {
            config = try ConfigLoader.load(fileAt: path)
        } catch let error as ConfigError {
            return await reloads.run { [self] in
                refuse(error.problems, trigger: trigger, generation: context.active.generation.number)
            }
        } catch {
            return await reloads.run { [self] in
                refuse([ConfigProblem(path: "$", message: "\(error)")], trigger: trigger,
                       generation: context.active.generation.number)
            }
        }
        adjust(&config)
        return await reload(config, trigger: trigger)
    }

    private func refuse(_ problems: [ConfigProblem], trigger: String, generation: Int) -> ReloadOutcome {
        metrics.recordReload(applied: false, generation: generation)
        eventLog.write(LifecycleEvent.reload(applied: false, generation: generation, trigger: trigger, problems: problems,
                                             time: Date()))
        return .refused(problems)
    }

}
