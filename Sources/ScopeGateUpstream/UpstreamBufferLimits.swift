/// Bounds on what one transfer holds in memory, whatever its body sizes.
///
/// Request side: the caller stops reading its client when ``UpstreamTransfer/sendBodyPart(_:)``
/// returns false (at ``requestBodyHighWater`` queued bytes) and resumes at
/// ``UpstreamResponseDelegate/upstreamWantsMoreBody()`` (at ``requestBodyLowWater``).
/// Response side: the curl write callback pauses the transfer (`CURL_WRITEFUNC_PAUSE`) while
/// ``responseHighWater`` bytes are on their way to the event loop, and it is resumed once the
/// delegate has taken them down to ``responseLowWater``. libcurl may deliver one more callback
/// (at most `CURL_MAX_WRITE_SIZE`, 16 KiB) before a pause takes hold; it is kept.
public enum UpstreamBufferLimits {
    /// Request-body bytes queued for curl, above which the caller should stop reading. 256 KiB.
    public static let requestBodyHighWater = 256 << 10
    /// Queued request-body bytes at or below which the caller is told to read again. 64 KiB.
    public static let requestBodyLowWater = 64 << 10
    /// Response bytes received and not yet handed to the delegate, at which receiving pauses. 128 KiB.
    public static let responseHighWater = 128 << 10
    /// Response bytes in flight at or below which a paused transfer resumes. 32 KiB.
    public static let responseLowWater = 32 << 10
}
