import CCurl

extension UpstreamError {
    /// Classifies a failed transfer's `CURLcode` (libcurl-errors(3)).
    ///
    /// `CURLE_OPERATION_TIMEDOUT` is reported as ``timeout(_:)`` even when it was the connect
    /// timeout that expired; the detail text then says "Connection timed out".
    init(curlCode code: CURLcode, detail: String) {
        switch code {
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            self = .connectFailed(detail)
        case CURLE_OPERATION_TIMEDOUT:
            self = .timeout(detail)
        case CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_WEIRD_SERVER_REPLY:
            self = .reset(detail)
        case CURLE_SEND_FAIL_REWIND:
            // A reused connection the backend closed under the request: libcurl would send it
            // again on a fresh one, but a streamed body's sent part is gone.
            self = .reset(detail)
        default:
            self = .failed(detail)
        }
    }
}
