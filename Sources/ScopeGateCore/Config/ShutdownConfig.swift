/// `shutdown`: the graceful drain on SIGTERM or SIGINT.
///
/// The phases, each logged as one `{"event":"shutdown", "phase": ...}` line:
/// 1. `draining`: readiness (`/readyz`, `listen.health_path`) answers 503 at once; the
///    listener keeps accepting and serving for ``drainDelayMilliseconds`` so that load
///    balancers (Kubernetes endpoints) stop routing here first; every response carries
///    `Connection: close`.
/// 2. `stopped_accepting`: the listener closes; idle connections close; requests in flight
///    (streaming bodies included) go on for at most ``graceMilliseconds``.
/// 3. `stopped`: everything finished (or was cut at the end of the grace, one `shutdown_cut`
///    line per request, with its request ID); the process exits 0.
///
/// A second signal cuts what is in flight at once. The defaults (5 s + 20 s) end within a
/// Kubernetes `terminationGracePeriodSeconds` of 30 with 5 s to spare.
public struct ShutdownConfig: Sendable, Equatable {
    /// `shutdown.drain_delay_ms`: how long the listener keeps accepting after the signal, in
    /// milliseconds, 0...600000. Default 5000.
    public var drainDelayMilliseconds: Int
    /// `shutdown.grace_ms`: how long requests in flight may go on after the listener closed, in
    /// milliseconds, 0...3600000. Default 20000.
    public var graceMilliseconds: Int

    public init(drainDelayMilliseconds: Int = 5000, graceMilliseconds: Int = 20000) {
        self.drainDelayMilliseconds = drainDelayMilliseconds
        self.graceMilliseconds = graceMilliseconds
    }
}

/// `admin`: the admin listener, apart from the public one so that clients can neither scrape
/// nor probe it. It answers `GET /metrics` (Prometheus text format), `/livez` and `/readyz`.
public struct AdminConfig: Sendable, Equatable {
    /// `admin.host`: address to bind. Default `127.0.0.1` (in a pod, `0.0.0.0` lets the
    /// kubelet and Prometheus reach it).
    public var host: String
    /// `admin.port`: TCP port, 0...65535 (0 picks a free one). Default 9901.
    public var port: Int

    public init(host: String = "127.0.0.1", port: Int = 9901) {
        self.host = host
        self.port = port
    }
}

extension AdminConfig {
    /// Whether the admin listener would bind where `listener` does: the same port, on the same
    /// address or on an address that covers the other (`0.0.0.0`, `::`), or both on loopback
    /// names (`localhost` may be either). Port 0 (any free port) never clashes.
    public func clashes(with listener: ListenerConfig) -> Bool {
        guard port != 0, port == listener.port else { return false }
        let wildcards: Set<String> = ["0.0.0.0", "::", "[::]", "*"]
        let loopback: Set<String> = ["localhost", "127.0.0.1", "::1", "[::1]"]
        let a = host.lowercased(), b = listener.host.lowercased()
        return a == b || wildcards.contains(a) || wildcards.contains(b) || loopback.contains(a) && loopback.contains(b)
    }
}
