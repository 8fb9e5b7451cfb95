import NIOCore

/// How late one request body may arrive: a fixed deadline for the whole body, and a minimum
/// average rate after a grace. Pure arithmetic on instants the caller passes in (the
/// ``ConnectionDeadlineHandler`` passes `NIODeadline.now()`; tests pass fixed instants).
///
/// The rate rule is Apache httpd's `RequestReadTimeout body=<grace>,MinRate=<rate>`: by `t`
/// after the head, at least `rate × (t − grace)` bytes must have been read, so the deadline is
/// `head + grace + bytes / rate` and every byte read moves it later. Unlike a fixed deadline it
/// scales with the body: a large upload on a link faster than the rate always fits, while a
/// client that sends a byte now and then (slowloris on the body, the "slow POST") runs out of
/// grace. The whole-body deadline is Envoy's `request_timeout` and Apache's `maxtimeout`, for
/// operators who know their largest upload.
///
/// Time the gateway itself holds the client's reads (upstream backpressure, a key refetch)
/// does not count: ``hold(at:)`` and ``resume(at:)`` move the start later by the held time.
/// Arithmetic saturates (a deadline past the representable range is `distantFuture`): the byte
/// count comes from the client and must never trap.
struct RequestBodyPace: Sendable {
    /// The limits; all of them off is a pace that never expires.
    struct Rules: Sendable, Equatable {
        /// The whole body must arrive within this of the head (`listen.body_timeout_ms`); `nil`: none.
        var wholeBody: TimeAmount?
        /// The least average rate in bytes per second (`listen.body_min_bytes_per_second`); 0: none.
        var minBytesPerSecond: Int
        /// Time allowed on top of what the bytes earn at the minimum rate (`listen.body_min_rate_grace_ms`).
        var grace: TimeAmount

        /// Whether any limit applies.
        var isActive: Bool { wholeBody != nil || minBytesPerSecond > 0 }
    }

    /// Which limit a deadline belongs to.
    enum Limit: Sendable, Equatable {
        case wholeBody
        case minimumRate
    }

    let rules: Rules
    /// When the head arrived, moved later by every span the reads were held.
    private(set) var start: NIODeadline
    /// Client bytes read since the head (saturating).
    private(set) var receivedBytes = 0
    /// Set while the gateway holds the client's reads.
    private(set) var heldSince: NIODeadline?

    init(rules: Rules, start: NIODeadline) {
        self.rules = rules
        self.start = start
    }

    /// Counts `count` more bytes read from the client.
    mutating func receive(_ count: Int) {
        let (sum, overflow) = receivedBytes.addingReportingOverflow(max(0, count))
        receivedBytes = overflow ? .max : sum
    }

    /// The gateway stopped reading the client at `instant`: the clock stops. Idempotent.
    mutating func hold(at instant: NIODeadline) {
        if heldSince == nil { heldSince = instant }
    }

    /// The gateway reads the client again at `instant`: the held span is added to the start.
    mutating func resume(at instant: NIODeadline) {
        guard let since = heldSince else { return }
        heldSince = nil
        if instant > since { start = start + (instant - since) }
    }

    /// Time the body has been under way at `instant`, held spans left out.
    func elapsed(at instant: NIODeadline) -> TimeAmount {
        let end = heldSince ?? instant
        return end > start ? end - start : .zero
    }

    /// The earliest instant at which the body is too late if no further byte arrives, and the
    /// limit it belongs to; `nil` while held or when no limit applies.
    var deadline: (at: NIODeadline, limit: Limit)? {
        guard heldSince == nil else { return nil }
        var earliest: (at: NIODeadline, limit: Limit)?
        if let whole = rules.wholeBody {
            earliest = (start + whole, .wholeBody)
        }
        if rules.minBytesPerSecond > 0 {
            let rate = (start + rules.grace) + .nanoseconds(Self.nanoseconds(for: receivedBytes, at: rules.minBytesPerSecond))
            if earliest.map({ rate < $0.at }) ?? true { earliest = (rate, .minimumRate) }
        }
        return earliest
    }

    /// `bytes / bytesPerSecond` seconds in nanoseconds, saturating at `Int64.max` (also the
    /// answer for a rate of 0: no bytes ever earn time at no rate, which callers never ask).
    static func nanoseconds(for bytes: Int, at bytesPerSecond: Int) -> Int64 {
        guard bytesPerSecond > 0 else { return .max }
        let (seconds, rest) = max(0, bytes).quotientAndRemainder(dividingBy: bytesPerSecond)
        let (whole, overflow) = Int64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return .max }
        // rest < bytesPerSecond ≤ 2^30, so rest × 10^9 < 2^60: no overflow.
        let (sum, carry) = whole.addingReportingOverflow(Int64(rest) * 1_000_000_000 / Int64(bytesPerSecond))
        return carry ? .max : sum
    }
}
