import Foundation
import ScopeGateCore

/// Periodic counters as log lines: `{"event":"stats", ...}` for the verified-token cache and
/// `{"event":"jwks_stats", ...}` per remote key source. Written every
/// `log.stats_interval_seconds` by the gateway.
package enum StatsEvent {
    /// `cache_hits`, `cache_misses`, `cache_insertions`, `cache_evictions`, `cache_entries`
    /// (counts since start; absent when the cache is disabled).
    package static func cacheLine(_ statistics: VerificationCache.Statistics?, time: Date) -> String {
        var json = JSONLine.event("stats", at: time)
        json.add("cache_enabled", statistics != nil)
        if let statistics {
            json.add("cache_hits", statistics.hits)
            json.add("cache_misses", statistics.misses)
            json.add("cache_insertions", statistics.insertions)
            json.add("cache_evictions", statistics.evictions)
            json.add("cache_entries", statistics.count)
        }
        return json.finish()
    }

    /// `fetches`, `failures`, `unknown_kid_refetches`, `refused_refetches`, `last_error`.
    package static func jwksLine(issuer: String, _ statistics: RemoteJWKSSource.Statistics, time: Date) -> String {
        var json = JSONLine.event("jwks_stats", at: time)
        json.add("issuer", issuer)
        json.add("fetches", statistics.fetches)
        json.add("failures", statistics.failures)
        json.add("unknown_kid_refetches", statistics.unknownKeyRefetches)
        json.add("refused_refetches", statistics.refusedRefetches)
        json.add("last_error", statistics.lastError)
        return json.finish()
    }
}
