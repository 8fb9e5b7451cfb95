import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import ScopeGateCore
import ScopeGateObservability
import ScopeGateUpstream

/// The remote key sources of a configuration: one ``RemoteJWKSSource`` per issuer whose
/// `jwks` is a URL or discovery (OpenID Connect, then RFC 8414), fetching with libcurl
/// through the gateway's ``CurlEngine``, logging loads and failures as `{"event":"jwks", ...}`
/// lines and a set with no usable key as one `{"event":"jwks_no_usable_key", ...}` line.
final class RemoteKeySources: Sendable {
    /// Issuer (`iss` string) to its source.
    let sources: [String: RemoteJWKSSource]
    /// Until ``start()``: the lines of successful fetches (a reload's prefetch), written
    /// when it starts, so a set with no usable key is never silent. Failures are not kept:
    /// a refused reload's fetch failure is in its `reload` line. After ``start()``: `nil`,
    /// lines are written as they come.
    private let pending = NIOLockedValueBox<[String]?>([])
    private let eventLog: EventLog?
    /// What each source was built from: the issuer's `jwks` and its non-HMAC algorithms.
    private let settings: [String: KeySettings]

    private struct KeySettings: Equatable {
        var jwks: JWKSSource
        var algorithms: [JWSAlgorithm]
    }

    /// Builds the sources (nothing is fetched until ``start()`` or ``loadOnce()``).
    /// - Parameter previous: the sources of the configuration being replaced (a reload): an
    ///   issuer whose `jwks` and algorithms are unchanged keeps its source, with the keys it
    ///   fetched and its refresh schedule, so a reload causes no refetch.
    init(api: APIConfig, engine: CurlEngine, eventLoop: any EventLoop, eventLog: EventLog?,
         clock: @escaping @Sendable () -> Date, reusing previous: RemoteKeySources? = nil) {
        var sources: [String: RemoteJWKSSource] = [:]
        var settings: [String: KeySettings] = [:]
        for (index, issuer) in api.issuers.enumerated() {
            let keySettings = KeySettings(jwks: issuer.jwks, algorithms: issuer.algorithms.filter { !$0.isHMAC })
            if let previous, previous.settings[issuer.issuer] == keySettings, let source = previous.sources[issuer.issuer] {
                sources[issuer.issuer] = source
                settings[issuer.issuer] = keySettings
                continue
            }
            let location: RemoteJWKSSource.Location
            let refresh: JWKSRefreshSettings
            let path: String
            switch issuer.jwks {
            case .file: continue
            case .url(let url, let settings):
                location = .jwksURL(url)
                refresh = settings
                path = "api.issuers[\(index)].jwks.url"
            case .discovery(let settings):
                location = .discovery(issuer: issuer.issuer)
                refresh = settings
                path = "api.issuers[\(index)].jwks.discovery"
            }
            let fetcher = CurlHTTPFetcher(engine: engine, eventLoop: eventLoop,
                                          connectTimeoutMilliseconds: refresh.connectTimeoutMilliseconds,
                                          timeoutMilliseconds: refresh.timeoutMilliseconds)
            let policy = JWKSRefreshPolicy(minimumSeconds: refresh.minimumSeconds, maximumSeconds: refresh.maximumSeconds,
                                           defaultSeconds: refresh.defaultSeconds,
                                           refetchCooldownSeconds: refresh.refetchCooldownSeconds,
                                           retrySeconds: refresh.retrySeconds)
            let name = issuer.issuer
            let hasHMACSecrets = !issuer.hmacSecrets.isEmpty
            let pending = self.pending
            sources[name] = RemoteJWKSSource(
                location: location, allowed: issuer.algorithms.filter { !$0.isHMAC }, policy: policy, fetcher: fetcher,
                clock: clock,
                log: { logLine in
                    let text: String
                    if case .noUsableKey(let url, let skipped) = logLine.kind,
                        let warning = KeySetWarning(keySet: VerificationKeySet(keys: [], skipped: skipped), path: path,
                                                    issuer: name, location: url, hasHMACSecrets: hasHMACSecrets) {
                        text = KeySetEvent.noUsableKey(warning, time: Date())
                    } else {
                        var line = JSONLine.event("jwks", at: Date())
                        line.add("issuer", name)
                        line.add("message", logLine.message)
                        text = line.finish()
                    }
                    // A reload's candidate speaks only once it is live: a refused reload's
                    // fetch failure is in its `reload` line, and its source never retries.
                    let held = pending.withLockedValue { lines -> Bool in
                        guard lines != nil else { return false }
                        if logLine.kind != .fetchFailed { lines?.append(text) }
                        return true
                    }
                    if !held { eventLog?.write(text) }
                })
            settings[name] = keySettings
        }
        self.sources = sources
        self.settings = settings
        self.eventLog = eventLog
    }

    /// How many sources came over from `previous` (kept, not refetched).
    func reused(from previous: RemoteKeySources) -> Int {
        sources.filter { issuer, source in previous.sources[issuer] === source }.count
    }

    /// Fetches, once, every source that did not come over from `previous` (a reload: the new
    /// generation goes live only with its new issuers' keys loaded).
    /// - Returns: the issuers whose keys could not be fetched, with the error text.
    func prefetchNew(comparedTo previous: RemoteKeySources) async -> [(issuer: String, error: String)] {
        var failures: [(issuer: String, error: String)] = []
        for (issuer, source) in sources.sorted(by: { $0.key < $1.key }) where previous.sources[issuer] !== source {
            if !(await source.refreshNow()) {
                failures.append((issuer, source.statistics.lastError ?? "unknown error"))
            }
        }
        return failures
    }

    /// Stops the sources of this set that `previous` did not have (a refused reload).
    func discardNew(comparedTo previous: RemoteKeySources) {
        for (issuer, source) in sources where previous.sources[issuer] !== source {
            source.stop()
        }
    }

    /// Stops the sources of `previous` that this set no longer uses.
    func retire(_ previous: RemoteKeySources) {
        for (issuer, source) in previous.sources where sources[issuer] !== source {
            source.stop()
        }
    }

    /// Writes the lines held since the sources were built (a reload's prefetch), then starts
    /// every source's first fetch and background refresh.
    func start() {
        let held = pending.withLockedValue { lines in
            defer { lines = nil }
            return lines ?? []
        }
        for line in held { eventLog?.write(line) }
        for source in sources.values { source.start() }
    }

    /// Fetches every source once (for one-shot commands such as `explain` and `check`).
    /// - Returns: the issuers whose keys could not be loaded, with the error text.
    func loadOnce() async -> [(issuer: String, error: String)] {
        var failures: [(issuer: String, error: String)] = []
        for (issuer, source) in sources.sorted(by: { $0.key < $1.key }) where !(await source.refreshNow()) {
            failures.append((issuer, source.statistics.lastError ?? "unknown error"))
        }
        return failures
    }

    func stop() {
        for source in sources.values { source.stop() }
    }
}

/// Key sources fetched once, for one-shot commands (`scopegate explain`, `scopegate check`).
public struct FetchedKeySources: Sendable {
    /// Issuer to a source holding what was fetched (nil set when the fetch failed).
    public let sources: [String: any KeySource]
    /// Issuers whose keys could not be fetched, with the error text.
    public let failures: [(issuer: String, error: String)]

    /// Fetches the JWKS of every URL or discovery issuer of `api` once, with libcurl, and
    /// stops the engine it used. File-based issuers are not included (the verifier loads them).
    public static func fetch(api: APIConfig) async throws -> FetchedKeySources {
        let engine = try CurlEngine(configuration: UpstreamEngineConfig())
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let remote = RemoteKeySources(api: api, engine: engine, eventLoop: group.next(), eventLog: nil, clock: { Date() })
        let failures = await remote.loadOnce()
        let snapshot = remote.sources.mapValues { StaticKeySource($0.keySet) as any KeySource }
        engine.shutdown()
        try await group.shutdownGracefully()
        return FetchedKeySources(sources: snapshot, failures: failures)
    }
}
