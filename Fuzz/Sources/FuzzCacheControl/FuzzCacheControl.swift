import FuzzSupport
import ScopeGateCore

/// `Cache-Control` of a JWKS or discovery response (RFC 9111 §5.2) and the refresh interval
/// the key source derives from it. Invariant: the interval stays within the policy's
/// minimum and maximum, whatever `max-age` says (a huge or negative value must neither trap
/// nor escape the clamp).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCacheControl(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let field = FuzzInput.text(UnsafeRawBufferPointer(start: data, count: size))
    let parsed = CacheControl(parsing: field)
    if let maxAge = parsed.maxAge { FuzzInvariant.require(maxAge >= 0, "negative max-age \(maxAge) from \(field.debugDescription)") }
    for policy in [JWKSRefreshPolicy(), JWKSRefreshPolicy(minimumSeconds: 1, maximumSeconds: 31_536_000, defaultSeconds: 1)] {
        let seconds = policy.refreshInterval(cacheControl: field)
        FuzzInvariant.require((policy.minimumSeconds...policy.maximumSeconds).contains(seconds),
                              "refresh in \(seconds) s from \(field.debugDescription)")
        let failures = size == 0 ? 0 : Int(data![0]) * 1_000_000
        FuzzInvariant.require(policy.retryInterval(afterFailures: failures) > 0, "retry interval not positive")
    }
    return 0
}
