import Foundation
import ScopeGateCore

/// The instances of one backend: which one takes the next attempt, how many transfers each
/// has under way, and passive health (ejection after consecutive connect-level failures).
///
/// Built once per backend at start-up and shared by every event loop. Threading: any
/// thread; every method takes one short lock. Time comes from the injected `clock` (the
/// gateway's), so ejection expiry is testable without sleeping. No NIO, no curl.
public final class BackendPool: Sendable {
    /// One instance as handed to a caller.
    public struct Instance: Sendable, Equatable {
        /// Position in the backend's configured instances.
        public var index: Int
        /// `scheme://host[:port]`.
        public var url: String
    }

    /// One instance's counters, for tests, `stats` and diagnostics.
    public struct InstanceStatus: Sendable, Equatable {
        public var url: String
        /// Attempts under way (acquired, not yet finished).
        public var inFlight: Int
        /// Attempts ever started on this instance.
        public var attempts: Int
        /// Connect-level failures ever reported.
        public var connectFailures: Int
        /// Connect-level failures since the last success.
        public var consecutiveFailures: Int
        /// Until when the instance is skipped; `nil` when it is not ejected.
        public var ejectedUntil: Date?
    }

    /// How an attempt ended, for passive health.
    public enum Outcome: Sendable, Equatable {
        /// The backend answered (any status): it is reachable.
        case responded
        /// Nothing could be sent: refused, unreachable, unresolvable (``UpstreamError/connectFailed(_:)``).
        case connectFailed
        /// Anything else (timeout, reset, cancellation): says nothing certain about reachability.
        case other
    }

    public let name: String
    private let balance: BalanceStrategy
    private let ejectAfterFailures: Int
    private let ejectSeconds: TimeInterval
    private let clock: @Sendable () -> Date
    private let state: LockedState<State>

    private struct State {
        var instances: [InstanceStatus]
        /// When each instance was last ejected (for "try the one ejected longest ago").
        var ejectedAt: [Date?]
        /// Index the next round-robin pick starts at.
        var cursor = 0
    }

    public init(backend: BackendConfig, clock: @escaping @Sendable () -> Date) {
        self.name = backend.name
        self.balance = backend.balance
        self.ejectAfterFailures = backend.ejectAfterFailures
        self.ejectSeconds = TimeInterval(backend.ejectSeconds)
        self.clock = clock
        let instances = backend.instances.map {
            InstanceStatus(url: $0, inFlight: 0, attempts: 0, connectFailures: 0, consecutiveFailures: 0, ejectedUntil: nil)
        }
        self.state = LockedState(State(instances: instances, ejectedAt: Array(repeating: nil, count: instances.count)))
    }

    /// Picks an instance for one attempt and counts it in flight; the caller must
    /// ``finish(_:outcome:)`` it exactly once.
    ///
    /// Among instances not in `excluding` (those already tried for this request), a healthy
    /// one by the backend's ``BalanceStrategy``; when every candidate is ejected, the one
    /// ejected longest ago (better one try than failing without trying); `nil` when
    /// `excluding` covers every instance.
    public func acquire(excluding: Set<Int> = []) -> Instance? {
        let now = clock()
        return state.withLock { state in
            let count = state.instances.count
            // Candidates in round-robin order from the cursor.
            let order = (0..<count).map { (state.cursor + $0) % count }.filter { !excluding.contains($0) }
            guard !order.isEmpty else { return nil }
            let healthy = order.filter { index in
                guard let until = state.instances[index].ejectedUntil else { return true }
                return until <= now
            }
            let chosen: Int
            if healthy.isEmpty {
                chosen = order.min { (state.ejectedAt[$0] ?? .distantPast) < (state.ejectedAt[$1] ?? .distantPast) }!
            } else {
                switch balance {
                case .roundRobin:
                    chosen = healthy[0]
                case .leastInFlight:
                    chosen = healthy.min { state.instances[$0].inFlight < state.instances[$1].inFlight }!
                }
            }
            state.cursor = (chosen + 1) % count
            state.instances[chosen].inFlight += 1
            state.instances[chosen].attempts += 1
            return Instance(index: chosen, url: state.instances[chosen].url)
        }
    }

    /// Ends an attempt started by ``acquire(excluding:)`` and records what it says about
    /// the instance's health: a response clears its failure streak; the
    /// `eject_after_failures`-th consecutive connect failure ejects it for `eject_seconds`
    /// (an instance tried again after its ejection is ejected again by its next failure).
    public func finish(_ instance: Instance, outcome: Outcome) {
        let now = clock()
        state.withLock { state in
            var status = state.instances[instance.index]
            status.inFlight = max(0, status.inFlight - 1)
            switch outcome {
            case .responded:
                status.consecutiveFailures = 0
                status.ejectedUntil = nil
            case .connectFailed:
                status.connectFailures += 1
                status.consecutiveFailures += 1
                if status.consecutiveFailures >= ejectAfterFailures {
                    status.ejectedUntil = now.addingTimeInterval(ejectSeconds)
                    state.ejectedAt[instance.index] = now
                }
            case .other:
                break
            }
            state.instances[instance.index] = status
        }
    }

    /// Every instance's counters, in configured order.
    public var statuses: [InstanceStatus] {
        state.withLock { $0.instances }
    }
}

/// One ``BackendPool`` per configured backend, keyed by backend name.
public struct BackendPools: Sendable {
    public let byName: [String: BackendPool]

    /// The configs the pools were built from, to tell on a reload which ones are unchanged.
    let configs: [String: BackendConfig]

    /// - Parameter previous: the pools of the configuration being replaced (a reload): a backend
    ///   whose config is unchanged keeps its pool, so its in-flight counts and ejections carry over.
    public init(backends: [String: BackendConfig], clock: @escaping @Sendable () -> Date, reusing previous: BackendPools? = nil) {
        var pools: [String: BackendPool] = [:]
        for (name, backend) in backends {
            if let previous, previous.configs[name] == backend, let pool = previous.byName[name] {
                pools[name] = pool
            } else {
                pools[name] = BackendPool(backend: backend, clock: clock)
            }
        }
        byName = pools
        configs = backends
    }

    /// Backends whose pool came over from `previous` unchanged.
    package func reused(from previous: BackendPools) -> Int {
        byName.filter { name, pool in previous.byName[name] === pool }.count
    }

    public subscript(name: String) -> BackendPool? { byName[name] }
}
