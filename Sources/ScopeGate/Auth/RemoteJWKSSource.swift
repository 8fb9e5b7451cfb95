import Foundation

/// An issuer's keys fetched over HTTP, from a JWKS URL (RFC 7517 §5) or through OpenID
/// Connect Discovery 1.0, kept fresh in the background.
///
/// - A fetch cycle GETs the JWKS (after the provider configuration, for ``Location/discovery(issuer:)``)
///   and builds a ``VerificationKeySet``; unusable keys are skipped. Concurrent requests for a
///   cycle (the timer, ``refreshNow()``, unknown-`kid` refetches) share ONE in-flight cycle.
/// - Success swaps the set atomically and schedules the next refresh from the response's
///   `Cache-Control: max-age` (RFC 9111 §5.2.2.1), clamped by the ``JWKSRefreshPolicy``.
/// - Failure (transport, non-200, a body over ``maximumDocumentBytes``, not a JWKS, no usable
///   key, a bad discovery document) KEEPS the last good set, is counted in ``statistics``,
///   logged as one line, and retried after `policy.retrySeconds`. Before the first success
///   ``keySet`` is `nil`, so every token is rejected (fail closed).
///
/// Threading: every member may be called from any thread and never blocks (a short lock
/// guards the state). Time comes from the injected `clock`; only the background loop sleeps,
/// in real time, until the clock's next refresh time.
public final class RemoteJWKSSource: KeySource {
    /// Where the JWKS is.
    public enum Location: Sendable, Equatable {
        /// The JWKS document's absolute URL, fetched as configured.
        case jwksURL(String)
        /// GET `<issuer without trailing slash>/.well-known/openid-configuration` (Discovery §4.1),
        /// check its `issuer` equals this one exactly (§4.3), and fetch its `jwks_uri` (which must
        /// be `https`, or `http` to a loopback host). The `jwks_uri` is reused until a cycle fails.
        case discovery(issuer: String)
    }

    /// Counters for health checks and metrics.
    public struct Statistics: Sendable, Equatable {
        /// Fetch cycles started (by the loop, ``refreshNow()`` or a refetch); calls that joined
        /// a cycle in flight are not counted.
        public var fetches = 0
        /// Fetch cycles that failed.
        public var failures = 0
        /// Unknown-`kid` refetches that started a cycle.
        public var unknownKeyRefetches = 0
        /// Unknown-`kid` refetches refused because of the cooldown.
        public var refusedRefetches = 0
        /// When (by the injected clock) the last cycle succeeded; `nil` if none has.
        public var lastSuccess: Date?
        /// When the last cycle failed; `nil` if none has.
        public var lastFailure: Date?
        /// The last failure's text; `nil` if no cycle has failed.
        public var lastError: String?

        public init() {}
    }

    /// The largest JWKS or provider configuration accepted, in bytes (1 MiB).
    public static let maximumDocumentBytes = 1 << 20

    /// One waiting unknown-`kid` refetch.
    private struct Waiter {
        var keyID: String
        var completion: @Sendable (Bool) -> Void
    }

    private struct State {
        var keySet: VerificationKeySet?
        var inFlight: Task<Bool, Never>?
        var waiters: [Waiter] = []
        var lastRefetchStart: Date?
        var nextRefresh: Date?
        /// The discovered `jwks_uri`, reused until a cycle fails.
        var discoveredJWKSURL: String?
        var loop: Task<Void, Never>?
        var statistics = Statistics()
    }

    /// A successful cycle's result.
    private struct Loaded {
        var keySet: VerificationKeySet
        var url: String
        var refreshSeconds: Int
    }

    public let location: Location
    public let allowed: [JWSAlgorithm]
    public let policy: JWKSRefreshPolicy
    private let fetcher: any JWKSFetcher
    private let clock: @Sendable () -> Date
    private let log: @Sendable (String) -> Void
    private let state = LockedState(State())

    /// Creates a source that fetches nothing until ``start()``, ``refreshNow()`` or a refetch.
    ///
    /// - Parameters:
    ///   - allowed: `api.algorithms`; each key gets verifiers for the ones that fit it.
    ///   - clock: "now" for scheduling and the refetch cooldown.
    ///   - log: receives one line per failed cycle and per change of the loaded set.
    public init(
        location: Location, allowed: [JWSAlgorithm], policy: JWKSRefreshPolicy, fetcher: any JWKSFetcher,
        clock: @escaping @Sendable () -> Date = { Date() }, log: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.location = location
        self.allowed = allowed
        self.policy = policy
        self.fetcher = fetcher
        self.clock = clock
        self.log = log
    }

    deinit {
        state.withLock { $0.loop }?.cancel()
    }

    /// The last successfully loaded set; `nil` until the first success.
    public var keySet: VerificationKeySet? { state.withLock { $0.keySet } }

    /// A snapshot of the counters.
    public var statistics: Statistics { state.withLock { $0.statistics } }

    /// When (by the injected clock) the next timed refresh is due: after a success, now plus
    /// the policy's interval for the response's `Cache-Control`; after a failure, now plus
    /// the retry interval. `nil` before the first cycle ends.
    public var nextRefresh: Date? { state.withLock { $0.nextRefresh } }

    /// Starts the background loop: a cycle now (unless one is already scheduled for later),
    /// then one whenever ``nextRefresh`` is due. Idempotent while running.
    public func start() {
        state.withLock { state in
            guard state.loop == nil else { return }
            state.loop = Task { [weak self] in
                while !Task.isCancelled {
                    guard let seconds = await self?.loopStep() else { return }
                    do { try await Task.sleep(for: .seconds(seconds)) } catch { return }
                }
            }
        }
    }

    /// Cancels the background loop; a cycle in flight still completes (and its waiters are
    /// called). Idempotent; ``start()`` may be called again.
    public func stop() {
        state.withLock { state in
            defer { state.loop = nil }
            return state.loop
        }?.cancel()
    }

    /// Runs one fetch cycle now, or joins the one in flight.
    ///
    /// - Returns: whether that cycle succeeded (the set may be unchanged in content).
    @discardableResult
    public func refreshNow() async -> Bool {
        await state.withLock { joinOrStartCycle(&$0) }.value
    }

    /// See ``KeySource/refetch(forUnknownKeyID:completion:)``: joins a cycle in flight, or
    /// starts one unless the last refetch-started cycle began less than
    /// `policy.refetchCooldownSeconds` ago by the injected clock (then `false`; a clock that
    /// stepped backwards does not block refetches). `completion` gets whether the resulting
    /// set holds a key with `kid == keyID`; a failed cycle gives `false`.
    public func refetch(forUnknownKeyID keyID: String, completion: @escaping @Sendable (Bool) -> Void) -> Bool {
        let now = clock()
        let cooldown = Double(policy.refetchCooldown)
        return state.withLock { state in
            if state.inFlight == nil {
                if let last = state.lastRefetchStart {
                    let elapsed = now.timeIntervalSince(last)
                    if elapsed >= 0 && elapsed < cooldown {
                        state.statistics.refusedRefetches += 1
                        return false
                    }
                }
                state.lastRefetchStart = now
                state.statistics.unknownKeyRefetches += 1
                _ = joinOrStartCycle(&state)
            }
            state.waiters.append(Waiter(keyID: keyID, completion: completion))
            return true
        }
    }

    // MARK: - Cycle

    /// Called with the lock held. The new task cannot finish before the lock is released,
    /// because it takes the lock to publish its result.
    private func joinOrStartCycle(_ state: inout State) -> Task<Bool, Never> {
        if let task = state.inFlight { return task }
        state.statistics.fetches += 1
        let task = Task { await self.runCycle() }
        state.inFlight = task
        return task
    }

    /// One background-loop step: refresh if due; returns the seconds to sleep (at least 1
    /// after a refresh, so a clock that runs ahead cannot make the loop spin).
    private func loopStep() async -> Double {
        if let due = nextRefresh {
            let wait = due.timeIntervalSince(clock())
            if wait > 0 { return wait }
        }
        await refreshNow()
        let next = nextRefresh ?? clock().addingTimeInterval(Double(policy.retryInterval))
        return max(1, next.timeIntervalSince(clock()))
    }

    private func runCycle() async -> Bool {
        let outcome: Result<Loaded, RemoteJWKSError>
        do {
            outcome = .success(try await fetchKeySet())
        } catch {
            outcome = .failure(error)
        }
        let now = clock()
        let (waiters, keySet, line) = state.withLock { state -> ([Waiter], VerificationKeySet?, String?) in
            state.inFlight = nil
            let waiters = state.waiters
            state.waiters = []
            let line: String?
            switch outcome {
            case .success(let loaded):
                let previous = state.keySet
                state.keySet = loaded.keySet
                state.statistics.lastSuccess = now
                state.nextRefresh = now.addingTimeInterval(Double(loaded.refreshSeconds))
                line = Self.changed(from: previous, to: loaded.keySet)
                    ? Self.loadedLine(loaded.keySet, url: loaded.url, refreshSeconds: loaded.refreshSeconds) : nil
            case .failure(let error):
                state.statistics.failures += 1
                state.statistics.lastFailure = now
                state.statistics.lastError = error.description
                state.discoveredJWKSURL = nil
                state.nextRefresh = now.addingTimeInterval(Double(policy.retryInterval))
                line = Self.failureLine(error, kept: state.keySet, retrySeconds: policy.retryInterval)
            }
            return (waiters, state.keySet, line)
        }
        if let line { log(line) }
        let succeeded: Bool
        if case .success = outcome { succeeded = true } else { succeeded = false }
        for waiter in waiters {
            waiter.completion(succeeded && !(keySet?.keys(withID: waiter.keyID).isEmpty ?? true))
        }
        return succeeded
    }

    private func fetchKeySet() async throws(RemoteJWKSError) -> Loaded {
        let jwksURL: String
        switch location {
        case .jwksURL(let url):
            jwksURL = url
        case .discovery(let issuer):
            if let known = state.withLock({ $0.discoveredJWKSURL }) {
                jwksURL = known
            } else {
                let configurationURL = OpenIDDiscovery.configurationURL(issuer: issuer)
                let document = try await get(configurationURL)
                jwksURL = try OpenIDDiscovery.jwksURI(
                    fromConfiguration: document.body, url: configurationURL, expectedIssuer: issuer)
                state.withLock { $0.discoveredJWKSURL = jwksURL }
            }
        }
        let response = try await get(jwksURL)
        let refreshSeconds = policy.refreshInterval(cacheControl: response.cacheControl)
        do {
            let keySet = try await VerificationKeySet.load(jwks: response.body, allowed: allowed)
            return Loaded(keySet: keySet, url: jwksURL, refreshSeconds: refreshSeconds)
        } catch .noUsableKeys(let skipped) {
            // A JWKS document the issuer serves is its current set (RFC 7517 §5): when none of
            // its keys is usable here (`{"keys": []}`, only another key type, only `use: enc`),
            // the keys it no longer lists are revoked all the same. Keeping the previous set
            // would keep trusting a key the issuer withdrew; every token of this issuer is
            // refused instead, until the set holds a usable key.
            return Loaded(keySet: VerificationKeySet(keys: [], skipped: skipped), url: jwksURL, refreshSeconds: refreshSeconds)
        } catch {
            throw .notJWKS(url: jwksURL, reason: error)
        }
    }

    /// GETs `url`, insisting on 200 and a body within ``maximumDocumentBytes``.
    private func get(_ url: String) async throws(RemoteJWKSError) -> HTTPFetchResult {
        let result: HTTPFetchResult
        do {
            result = try await fetcher.fetch(url: url)
        } catch HTTPFetchError.bodyTooLarge(let limit) {
            throw .bodyTooLarge(url: url, limit: limit)
        } catch {
            throw .transport(url: url, detail: String(describing: error))
        }
        guard result.status == 200 else { throw .httpStatus(url: url, status: result.status) }
        guard result.body.count <= Self.maximumDocumentBytes else {
            throw .bodyTooLarge(url: url, limit: Self.maximumDocumentBytes)
        }
        return result
    }
}
