import ScopeGateCore
/// Why a transfer to a backend failed. The associated string is a human-readable detail
/// (libcurl's error text); match on the case, never on the text.
public enum UpstreamError: Error, Sendable, Equatable {
    /// The backend could not be resolved or connected to (refused, unreachable, connect timeout).
    case connectFailed(String)
    /// The exchange exceeded the request's whole-exchange timeout after connecting.
    case timeout(String)
    /// The backend closed or reset the connection, sent nothing, a truncated body or an invalid response.
    case reset(String)
    /// Anything else, including cancellation by engine shutdown.
    case failed(String)

    /// The stable reason code for logs and metrics.
    public var reason: ReasonCode {
        switch self {
        case .connectFailed: return .upstreamConnectFailed
        case .timeout: return .upstreamTimeout
        case .reset: return .upstreamReset
        case .failed: return .upstreamFailed
        }
    }

    /// The detail text.
    public var detail: String {
        switch self {
        case .connectFailed(let s), .timeout(let s), .reset(let s), .failed(let s): return s
        }
    }
}
