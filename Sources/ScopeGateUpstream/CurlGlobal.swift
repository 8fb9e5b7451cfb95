import CCurl

/// Process-wide libcurl initialisation.
///
/// `curl_global_init` is not thread-safe in libcurl 7.88 (curl_global_init(3)), so it runs
/// exactly once, through a Swift global's lazy, once-only initialiser, before any curl
/// thread is started. libcurl is never de-initialised: other code in the process may use it.
enum CurlGlobal {
    private static let initResult: Int32 = Int32(curl_global_init(Int(CURL_GLOBAL_ALL)).rawValue)

    /// Initialises libcurl if that has not happened yet. Throws when `curl_global_init` failed.
    static func initialize() throws {
        let rc = initResult
        if rc != 0 {
            throw UpstreamError.failed("curl_global_init failed with code \(rc)")
        }
    }
}
