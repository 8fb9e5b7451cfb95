import Foundation

/// An issuer's keys fetched over HTTP, from a JWKS URL (RFC 7517 §5) or through the issuer's
/// metadata (OpenID Connect Discovery 1.0, then RFC 8414), kept fresh in the background.
///
/// - A fetch cycle GETs the JWKS (after the metadata, for ``Location/discovery(issuer:)``)
///   and builds a ``VerificationKeySet``; unusable keys are skipped. Concurrent requests for a
///   cycle (the timer, ``refreshNow()``, unknown-`kid` refetches) share ONE in-flight cycle.
/// - Success swaps the set atomically and schedules the next refresh from the response's
///   `Cache-Control: max-age` (RFC 9111 §5.2.2.1), clamped by the ``JWKSRefreshPolicy``. A
///   JWKS whose keys are all unusable is a success too: the set becomes empty (the issuer
///   withdrew its keys) and the line logged is ``LogLine/Kind-swift.enum/noUsableKey(url:skipped:)``.
/// - Failure (transport, non-200, a body over ``maximumDocumentBytes``, not a JWKS, a bad
///   metadata document) KEEPS the last good set, is counted in ``statistics`` and logged as
///   one line. Whatever started the cycle (the loop's first load or scheduled refresh,
///   ``refreshNow()``, an unknown-`kid` refetch), the next try is scheduled
///   ``JWKSRefreshPolicy/retryInterval(afterFailures:)`` seconds later: `retry_seconds`,
///   doubling with each consecutive failure up to max(`retry_seconds`, `min_seconds`); a
///   success resets it. Before the first success ``keySet`` is `nil`, so every token is
///   rejected (fail closed).
///
/// Threading: every member may be called from any thread and never blocks (a short lock
/// guards the state). Time comes from the injected `clock`; only the background loop sleeps,
/// in real time, until the clock's next refresh time, and a cycle that moves that time
/// earlier (a failed refetch, a shorter `max-age`) wakes it.
public final class RemoteJWKSSource: KeySource {
    /// Where the JWKS is.
    public enum Location: Sendable, Equatable {
        /// The JWKS document's absolute URL, fetched as configured.
        case jwksURL(String)
        /// GET `<issuer without trailing slash>/.well-known/openid-configuration` (Discovery §4.1)
        /// or, when that is absent or unusable, the RFC 8414 §3.1 metadata
        /// (`/.well-known/oauth-authorization-server` inserted before the issuer's path); check
        /// the used document's `issuer` equals this one exactly (Discovery §4.3, RFC 8414 §3.3),
        /// and fetch its `jwks_uri` (which must be `https`, or `http` to a loopback host). See
        /// ``OpenIDDiscovery`` for when the second document is tried. The `jwks_uri` is reused
        /// until a cycle fails.
        case discovery(issuer: String)
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
        /// Failed cycles since the last success; sets the retry backoff.
        var consecutiveFailures = 0
        /// The discovered `jwks_uri`, reused until a cycle fails.
        var discoveredJWKSURL: String?
        var loop: Task<Void, Never>?
        /// The background loop's current sleep, and when (by the clock) it ends; cancelled to
        /// wake the loop when ``nextRefresh`` moves before `wakeAt`.
        var sleep: (task: Task<Void, Never>, wakeAt: Date)?
        var statistics = Statistics()
    }

    /// A successful cycle's result.
    struct Loaded {
        var keySet: VerificationKeySet
        var url: String
        var refreshSeconds: Int
    }

    public let location: Location
    public let allowed: [JWSAlgorithm]
    public let policy: JWKSRefreshPolicy
    private let fetcher: any JWKSFetcher
    private let clock: @Sendable () -> Date
    private let log: @Sendable (LogLine) -> Void
    private let state = LockedState(State())

    /// Creates a source that fetches nothing until ``start()``, ``refreshNow()`` or a refetch.
    ///
    /// - Parameters:
    ///   - allowed: `api.algorithms`; each key gets verifiers for the ones that fit it.
    ///   - clock: "now" for scheduling and the refetch cooldown.
    ///   - log: receives one line per failed cycle and per change of the loaded set.
    public init(
        location: Location, allowed: [JWSAlgorithm], policy: JWKSRefreshPolicy, fetcher: any JWKSFetcher,
        clock: @escaping @Sendable () -> Date = { Date() }, log: @escaping @Sendable (LogLine) -> Void = { _ in }
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
    /// the policy's interval for the response's `Cache-Control`; after the n-th consecutive
    /// failure, now plus ``JWKSRefreshPolicy/retryInterval(afterFailures:)`` of n. `nil`
    /// before the first cycle ends.
    public var nextRefresh: Date? { state.withLock { $0.nextRefresh } }

    /// Starts the background loop: a cycle now (unless one is already scheduled for later),
    /// then one whenever ``nextRefresh`` is due, woken early when a cycle started elsewhere
    /// moves ``nextRefresh`` before the end of its sleep. Idempotent while running.
    public func start() {
        state.withLock { state in
            guard state.loop == nil else { return }
            state.loop = Task { [weak self] in
                while !Task.isCancelled {
                    // The sleep holds no reference to the source: dropping it ends the loop.
                    guard let sleep = await self?.loopStep() else { return }
                    await withTaskCancellationHandler { await sleep.value } onCancel: { sleep.cancel() }
                }
            }
        }
    }

    /// Cancels the background loop; a cycle in flight still completes (and its waiters are
    /// called). Idempotent; ``start()`` may be called again.
    public func stop() {
        state.withLock { state in
            defer {
                state.loop = nil
                state.sleep = nil
            }
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

    /// One background-loop step: refresh if due, then start the sleep until ``nextRefresh``
    /// (at least 1 s after a refresh, so a clock that runs ahead cannot make the loop spin).
    /// The sleep is registered only if ``nextRefresh`` is still the time it was computed
    /// from, under the lock that ``runCycle()`` moves it under: a move is either seen here
    /// (the sleep ends at once) or wakes the registered sleep. It is never lost.
    private func loopStep() async -> Task<Void, Never> {
        let due = nextRefresh.map { $0.timeIntervalSince(clock()) <= 0 } ?? true
        if due { await refreshNow() }
        let now = clock()
        let scheduled = nextRefresh
        var seconds = scheduled.map { $0.timeIntervalSince(now) } ?? Double(policy.retryInterval)
        if due { seconds = max(1, seconds) }
        let wait = max(0, seconds)
        let task = Task<Void, Never> { _ = try? await Task.sleep(for: .seconds(wait)) }
        let registered = state.withLock { state -> Bool in
            guard state.nextRefresh == scheduled else { return false }
            state.sleep = (task, now.addingTimeInterval(wait))
            return true
        }
        if !registered { task.cancel() }
        return task
    }

    private func runCycle() async -> Bool {
        let outcome: Result<Loaded, RemoteJWKSError>
        do {
            outcome = .success(try await fetchKeySet())
        } catch {
            outcome = .failure(error)
        }
        let now = clock()
        let (waiters, keySet, line, wake) = state.withLock {
            state -> ([Waiter], VerificationKeySet?, LogLine?, Task<Void, Never>?) in
            state.inFlight = nil
            let waiters = state.waiters
            state.waiters = []
            let line: LogLine?
            let next: Date
            switch outcome {
            case .success(let loaded):
                let previous = state.keySet
                state.keySet = loaded.keySet
                state.consecutiveFailures = 0
                state.statistics.lastSuccess = now
                next = now.addingTimeInterval(Double(loaded.refreshSeconds))
                line = Self.changed(from: previous, to: loaded.keySet) ? Self.loadedLine(loaded) : nil
            case .failure(let error):
                state.consecutiveFailures += 1
                state.statistics.failures += 1
                state.statistics.lastFailure = now
                state.statistics.lastError = error.description
                state.discoveredJWKSURL = nil
                let retry = policy.retryInterval(afterFailures: state.consecutiveFailures)
                next = now.addingTimeInterval(Double(retry))
                line = Self.failureLine(error, kept: state.keySet, retrySeconds: retry)
            }
            state.nextRefresh = next
            // Wake the loop when its sleep would outlast the new schedule (a refetch or
            // refreshNow() failed while the loop slept toward the old refresh time).
            var wake: Task<Void, Never>?
            if let sleep = state.sleep, next < sleep.wakeAt {
                wake = sleep.task
                state.sleep = nil
            }
            return (waiters, state.keySet, line, wake)
        }
        wake?.cancel()
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
                jwksURL = try await discoverJWKSURI(issuer: issuer)
                state.withLock { $0.discoveredJWKSURL = jwksURL }
            }
        }
        let response = try await get(jwksURL)
        let refreshSeconds = policy.refreshInterval(cacheControl: response.cacheControl)
        do {
            // A JWKS document the issuer serves is its current set (RFC 7517 §5): when none of
            // its keys is usable here (`{"keys": []}`, only another key type, only `use: enc`),
            // the set loads empty and the keys it no longer lists are revoked all the same.
            // Keeping the previous set would keep trusting a key the issuer withdrew; every
            // token of this issuer is refused instead, until the set holds a usable key.
            let keySet = try await VerificationKeySet.load(jwks: response.body, allowed: allowed)
            return Loaded(keySet: keySet, url: jwksURL, refreshSeconds: refreshSeconds)
        } catch {
            throw .notJWKS(url: jwksURL, reason: error)
        }
    }

    /// GETs `url`, insisting on 200 and a body within ``maximumDocumentBytes``.
    func get(_ url: String) async throws(RemoteJWKSError) -> HTTPFetchResult {
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
