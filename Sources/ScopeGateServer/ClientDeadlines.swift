import NIOCore
import ScopeGateCore

/// The client-side deadlines of `listen`, as one connection's ``ConnectionDeadlineHandler``
/// enforces them (taken from the configuration current when the connection opens).
///
/// A request body has three limits, any of which ends it with 408 `request_timeout`:
///
/// - `listen.body_idle_timeout_ms` (30 s): the longest silence, as nginx's `client_body_timeout`
///   (60 s there, between two reads). It cannot catch a client that sends one byte per second.
/// - `listen.body_min_bytes_per_second` (1024) after `listen.body_min_rate_grace_ms` (10 s): the
///   least average rate, as Apache httpd's `RequestReadTimeout body=20,MinRate=500` (its default).
///   This is what catches the trickle, and it scales with the body: it never cuts an upload from
///   a link faster than 1 KiB/s (8 kbit/s, below even a GPRS uplink), whatever its size; a
///   10 MiB body (`limits.max_body_bytes`) may take 2.8 hours at that rate. The average is over
///   the whole body so far, so a stall or a burst of retransmits is absorbed by what the earlier
///   bytes earned. The 10 s grace is the budget a request head gets
///   (`listen.request_head_timeout_ms`), room for TCP slow start and a client that starts its
///   body late; it is well below the backend's whole-exchange timeout (`backends.*.timeout_ms`,
///   30 s), so by default a trickling client is answered 408 at about 10 s and never reaches the
///   backend's 504 `upstream_timeout`, which would blame the backend.
/// - `listen.body_timeout_ms` (0: none): a fixed deadline for the whole body, as Envoy's
///   `request_timeout` (off by default there too; its documentation warns it does not suit
///   streaming requests) and the `maxtimeout` of Apache's rule, and as HAProxy's `timeout
///   http-request` does for the body only with `option http-buffer-request`. No fixed time fits
///   every body on every link, so it is off unless the operator knows the largest upload.
///
/// Each is measured from the request head's arrival with the time the gateway holds the reads
/// itself (backpressure from the backend, a key refetch) left out, and each applies until the
/// body's last byte, also when the backend answered early: then the connection is cut, since a
/// status can no longer be sent. A client that streams a body slower than 1 KiB/s by design
/// (a long-lived event upload) needs `body_min_bytes_per_second: 0`.
struct ClientDeadlines: Sendable, Equatable {
    /// `listen.keep_alive_timeout_ms`: silence between requests.
    var keepAlive: TimeAmount
    /// `listen.request_head_timeout_ms`: the whole head, from its first byte.
    var requestHead: TimeAmount
    /// `listen.body_idle_timeout_ms`: silence while reading a body.
    var bodyIdle: TimeAmount
    /// `listen.body_timeout_ms`, `listen.body_min_bytes_per_second`, `listen.body_min_rate_grace_ms`.
    var body: RequestBodyPace.Rules

    init(keepAlive: TimeAmount, requestHead: TimeAmount, bodyIdle: TimeAmount, body: RequestBodyPace.Rules) {
        self.keepAlive = keepAlive
        self.requestHead = requestHead
        self.bodyIdle = bodyIdle
        self.body = body
    }

    init(_ listener: ListenerConfig) {
        self.init(
            keepAlive: .milliseconds(Int64(listener.keepAliveTimeoutMilliseconds)),
            requestHead: .milliseconds(Int64(listener.requestHeadTimeoutMilliseconds)),
            bodyIdle: .milliseconds(Int64(listener.bodyIdleTimeoutMilliseconds)),
            body: RequestBodyPace.Rules(
                wholeBody: listener.bodyTimeoutMilliseconds > 0 ? .milliseconds(Int64(listener.bodyTimeoutMilliseconds)) : nil,
                minBytesPerSecond: listener.bodyMinBytesPerSecond,
                grace: .milliseconds(Int64(listener.bodyMinRateGraceMilliseconds))))
    }
}
