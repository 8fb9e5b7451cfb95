/// A request's client deadline passed: sent inbound by the ``ConnectionDeadlineHandler``, just
/// before the connection closes, so the HTTP handler can log the denial (`request_timeout`)
/// with what it knows of the request and abort its upstream transfer.
struct ClientDeadlineExpired: Sendable, Equatable {
    enum Stage: Sendable, Equatable {
        /// The head did not arrive whole within `listen.request_head_timeout_ms`.
        case head(milliseconds: Int64)
        /// The body went silent for `listen.body_idle_timeout_ms`.
        case bodyIdle(milliseconds: Int64)
        /// The body did not arrive whole within `listen.body_timeout_ms` of the head.
        case bodyTimeout(milliseconds: Int64)
        /// The body fell below `listen.body_min_bytes_per_second` once the grace
        /// (`listen.body_min_rate_grace_ms`) was used up: `receivedBytes` in `elapsedMilliseconds`.
        case bodyRate(minBytesPerSecond: Int, graceMilliseconds: Int64, receivedBytes: Int, elapsedMilliseconds: Int64)
    }

    let stage: Stage
    /// Whether the final response had started, so no 408 could be sent and the connection was cut.
    let responseStarted: Bool

    /// The denial line's `description`.
    var description: String {
        let what: String
        switch stage {
        case .head(let milliseconds):
            what = "request head not complete within \(milliseconds) ms"
        case .bodyIdle(let milliseconds):
            what = "request body idle for \(milliseconds) ms"
        case .bodyTimeout(let milliseconds):
            what = "request body not complete within \(milliseconds) ms"
        case .bodyRate(let rate, let grace, let bytes, let elapsed):
            what = "request body slower than \(rate) bytes/s after a \(grace) ms grace: \(bytes) bytes in \(elapsed) ms"
        }
        return responseStarted ? what + "; the response had started, so the connection was cut" : what
    }
}
