import Crypto
import Foundation

/// A bounded cache of successful token verifications, keyed by the SHA-256 of the token.
///
/// - Only successes are stored; a rejected token is verified again every time.
/// - An entry lives until the earlier of the token's `exp` and `ttl_seconds` after it was
///   stored. On every hit the caller re-checks the time claims (``TimeClaims``) at the
///   current instant, so a cached token is never accepted when a fresh verification would
///   reject it for its `exp`, `nbf`, `iat` or lifetime. What the cache does change: a token
///   keeps passing up to `ttl_seconds` after its key was removed from the JWKS.
/// - Bounded: at most `maxEntries` entries, split over up to 16 stripes each with its own
///   lock, so concurrent event loops rarely contend; each stripe evicts with CLOCK
///   (second chance), an LRU approximation that needs no list reordering on a hit.
/// - Thread-safe: every method may be called from any thread. `NSLock` (a pthread mutex)
///   and not `Synchronization.Mutex`, which needs macOS 15 while the package supports 14.
public final class VerificationCache: Sendable {
    /// Counters since creation.
    public struct Statistics: Sendable, Equatable {
        /// Lookups that found a live entry.
        public var hits = 0
        /// Lookups that found nothing, or an entry past its expiry.
        public var misses = 0
        /// Entries stored.
        public var insertions = 0
        /// Entries pushed out to make room (capacity, not expiry).
        public var evictions = 0
        /// Entries currently held.
        public var count = 0
    }

    /// What a hit returns: the verified token and what is needed to re-judge it.
    struct Entry: Sendable {
        var token: VerifiedToken
        var times: TimeClaims
        /// The `issuer` of the ``IssuerConfig`` that verified it.
        var issuer: String
    }

    /// The SHA-256 digest of a token as four words; the first word alone feeds `Hashable`.
    struct Key: Hashable, Sendable {
        var w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

        init(token: String) {
            var token = token
            // Hashed in place: no copy of the token's bytes on the request path.
            let digest = token.withUTF8 { SHA256.hash(data: $0) }
            var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
            withUnsafeMutableBytes(of: &words) { target in
                digest.withUnsafeBytes { source in target.copyMemory(from: source) }
            }
            (w0, w1, w2, w3) = words
        }

        func hash(into hasher: inout Hasher) { hasher.combine(w0) }
    }

    /// `max_entries`.
    public let maxEntries: Int
    /// `ttl_seconds`.
    public let ttlSeconds: Int
    private let stripes: [Stripe]

    /// - Parameters:
    ///   - maxEntries: the bound, at least 1 (a config of 0 means no cache at all).
    ///   - ttlSeconds: the longest life of an entry, in seconds.
    ///   - stripes: lock stripes, at most `maxEntries`; default 16.
    public init(maxEntries: Int, ttlSeconds: Int, stripes: Int = 16) {
        precondition(maxEntries > 0, "a disabled cache is no cache: use nil")
        self.maxEntries = maxEntries
        self.ttlSeconds = ttlSeconds
        let count = max(1, min(stripes, maxEntries))
        self.stripes = (0..<count).map { index in
            Stripe(capacity: maxEntries / count + (index < maxEntries % count ? 1 : 0))
        }
    }

    /// A cache as `config` asks, or `nil` when `max_entries` is 0.
    public convenience init?(_ config: VerificationCacheConfig) {
        guard config.maxEntries > 0 else { return nil }
        self.init(maxEntries: config.maxEntries, ttlSeconds: config.ttlSeconds)
    }

    /// Counters summed over the stripes (each read under its lock; not one snapshot).
    public var statistics: Statistics {
        var total = Statistics()
        for stripe in stripes {
            stripe.lock.lock()
            total.hits += stripe.statistics.hits
            total.misses += stripe.statistics.misses
            total.insertions += stripe.statistics.insertions
            total.evictions += stripe.statistics.evictions
            total.count += stripe.index.count
            stripe.lock.unlock()
        }
        return total
    }

    func lookup(_ key: Key, now: Date) -> Entry? {
        let stripe = stripe(for: key)
        stripe.lock.lock()
        defer { stripe.lock.unlock() }
        return stripe.lookup(key, now: now.timeIntervalSince1970)
    }

    /// Stores `entry` until the earlier of its `exp` and `now + ttl`.
    func insert(_ key: Key, _ entry: Entry, now: Date) {
        let nowSeconds = now.timeIntervalSince1970
        let expiry = min(entry.times.expiresAt ?? .infinity, nowSeconds + Double(ttlSeconds))
        guard expiry > nowSeconds else { return }
        let stripe = stripe(for: key)
        stripe.lock.lock()
        defer { stripe.lock.unlock() }
        stripe.insert(key, entry, expiry: expiry)
    }

    private func stripe(for key: Key) -> Stripe {
        stripes[Int(key.w1 % UInt64(stripes.count))]
    }
}

/// One lock's share of the cache: a CLOCK ring of slots. Touched only under `lock`.
private final class Stripe: @unchecked Sendable {
    struct Slot {
        var key: VerificationCache.Key
        var entry: VerificationCache.Entry
        var expiry: Double
        var referenced: Bool
    }

    let lock = NSLock()
    let capacity: Int
    var index: [VerificationCache.Key: Int] = [:]
    var slots: [Slot?] = []
    var free: [Int] = []
    var hand = 0
    var statistics = VerificationCache.Statistics()

    init(capacity: Int) {
        self.capacity = capacity
        index.reserveCapacity(min(capacity, 1 << 16))
    }

    func lookup(_ key: VerificationCache.Key, now: Double) -> VerificationCache.Entry? {
        guard let position = index[key], let slot = slots[position] else {
            statistics.misses += 1
            return nil
        }
        guard now < slot.expiry else {
            remove(at: position)
            statistics.misses += 1
            return nil
        }
        slots[position]!.referenced = true
        statistics.hits += 1
        return slot.entry
    }

    func insert(_ key: VerificationCache.Key, _ entry: VerificationCache.Entry, expiry: Double) {
        let slot = Slot(key: key, entry: entry, expiry: expiry, referenced: false)
        statistics.insertions += 1
        if let position = index[key] {
            slots[position] = slot
            return
        }
        let position: Int
        if let reused = free.popLast() {
            position = reused
        } else if slots.count < capacity {
            slots.append(nil)
            position = slots.count - 1
        } else {
            position = victim()
            index[slots[position]!.key] = nil
            statistics.evictions += 1
        }
        slots[position] = slot
        index[key] = position
    }

    /// CLOCK: the first slot under the hand whose reference bit is clear (clearing bits on the way).
    private func victim() -> Int {
        while true {
            let position = hand
            hand = (hand + 1) % slots.count
            if slots[position]!.referenced {
                slots[position]!.referenced = false
            } else {
                return position
            }
        }
    }

    private func remove(at position: Int) {
        if let slot = slots[position] { index[slot.key] = nil }
        slots[position] = nil
        free.append(position)
    }
}
