/// When a remote JWKS is fetched again: on a timer driven by the response's `max-age`,
/// after failures, and when a token names an unknown `kid`.
///
/// All values are whole seconds. Inconsistent values are normalised rather than rejected:
/// every interval is at least 1 second, and when `minimumSeconds > maximumSeconds` the
/// minimum wins (it protects the issuer from being hammered).
public struct JWKSRefreshPolicy: Sendable, Equatable {
    /// Never refresh on the timer more often than this, whatever `max-age` says. Default 60.
    public var minimumSeconds: Int
    /// Refresh at least this often, whatever `max-age` says, so rotated or revoked keys
    /// are noticed. Default 3600.
    public var maximumSeconds: Int
    /// The interval when the response has no usable `max-age` (absent, garbage, `no-store`,
    /// `no-cache`), clamped into `minimumSeconds...maximumSeconds`. Default 600.
    public var defaultSeconds: Int
    /// At most one unknown-`kid` refetch starts per this period; calls in between join a
    /// fetch already in flight or are refused. Default 30.
    public var refetchCooldownSeconds: Int
    /// After a failed fetch, try again this soon (capped at `maximumSeconds`, at least 1);
    /// each further consecutive failure doubles the wait, up to max(`retrySeconds`,
    /// `minimumSeconds`) (``retryInterval(afterFailures:)``). Default 10.
    public var retrySeconds: Int

    public init(
        minimumSeconds: Int = 60,
        maximumSeconds: Int = 3600,
        defaultSeconds: Int = 600,
        refetchCooldownSeconds: Int = 30,
        retrySeconds: Int = 10
    ) {
        self.minimumSeconds = minimumSeconds
        self.maximumSeconds = maximumSeconds
        self.defaultSeconds = defaultSeconds
        self.refetchCooldownSeconds = refetchCooldownSeconds
        self.retrySeconds = retrySeconds
    }

    /// Seconds until the next timed refresh after a successful fetch whose response carried
    /// `cacheControl`.
    ///
    /// `max-age` (RFC 9111 §5.2.2.1) clamped into `minimumSeconds...maximumSeconds`.
    /// `no-store` (§5.2.2.5) and `no-cache` (§5.2.2.4) forbid reusing the response without
    /// revalidation, which a key source cannot honour per token; they, an absent header and
    /// an unparsable `max-age` give `defaultSeconds`, clamped the same way.
    public func refreshInterval(cacheControl: String?) -> Int {
        let directives = CacheControl(parsing: cacheControl)
        if directives.noStore || directives.noCache { return clamped(defaultSeconds) }
        return clamped(directives.maxAge ?? defaultSeconds)
    }

    /// Seconds until the next attempt after a first failed fetch: `retrySeconds` in `1...maximum`.
    public var retryInterval: Int {
        min(max(1, retrySeconds), upperBound)
    }

    /// Seconds until the next attempt after `failures` consecutive failed fetches (1 for the
    /// first): ``retryInterval`` doubled per further failure, capped at
    /// max(``retryInterval``, `minimumSeconds`), so a failing issuer is asked no more often
    /// than `retrySeconds` and, once it stays down, no less often than a healthy one at its
    /// shortest interval. Defaults: 10, 20, 40, 60, 60, ... A success starts again at 1.
    public func retryInterval(afterFailures failures: Int) -> Int {
        let cap = max(retryInterval, lowerBound)
        var seconds = retryInterval
        var doublings = failures > 1 ? failures - 1 : 0   // no `failures - 1`: Int.min would overflow
        while doublings > 0 && seconds < cap {
            seconds = seconds > cap / 2 ? cap : seconds * 2   // never overflows
            doublings -= 1
        }
        return min(seconds, cap)
    }

    /// The unknown-`kid` refetch cooldown in seconds, at least 0.
    public var refetchCooldown: Int {
        max(0, refetchCooldownSeconds)
    }

    private var lowerBound: Int { max(1, minimumSeconds) }
    private var upperBound: Int { max(lowerBound, maximumSeconds) }

    private func clamped(_ seconds: Int) -> Int {
        min(max(seconds, lowerBound), upperBound)
    }
}
