import CCurl

/// The handle's side of ``ConnectionReuseGuard``: the callbacks that keep the guard's record
/// of kept-alive sockets and refuse a reused connection with bytes waiting on it.
extension CurlEasyHandle {
    /// Sets `CURLOPT_PREREQFUNCTION` (every transfer) and `CURLOPT_CLOSESOCKETFUNCTION` (every
    /// connection this handle opens remembers it, whichever handle uses it later).
    func setReuseCallbacks() throws {
        try check(scopegate_easy_setopt_prereq_callback(raw, curlPrereqCallback), "CURLOPT_PREREQFUNCTION")
        try set(CURLOPT_PREREQDATA, pointer: Unmanaged.passUnretained(self).toOpaque())
        guard let reuseGuard else { return }
        try check(scopegate_easy_setopt_closesocket_callback(raw, curlCloseSocketCallback), "CURLOPT_CLOSESOCKETFUNCTION")
        try set(CURLOPT_CLOSESOCKETDATA, pointer: Unmanaged.passUnretained(reuseGuard).toOpaque())
    }

    /// Tells the reuse guard which socket the connection the transfer leaves in libcurl's
    /// cache has (`CURLINFO_ACTIVESOCKET` is set once the connection went back to the cache,
    /// and unset when it was closed).
    func recordKeptConnection() {
        guard let reuseGuard, let transfer, !transfer.request.http2 else { return }
        var socket: curl_socket_t = CURL_SOCKET_BAD
        var localPort = 0, peerPort = 0
        var peerIP: UnsafeMutableRawPointer? = nil
        guard scopegate_easy_getinfo_socket(raw, CURLINFO_ACTIVESOCKET, &socket) == CURLE_OK, socket != CURL_SOCKET_BAD,
              scopegate_easy_getinfo_long(raw, CURLINFO_LOCAL_PORT, &localPort) == CURLE_OK,
              scopegate_easy_getinfo_long(raw, CURLINFO_PRIMARY_PORT, &peerPort) == CURLE_OK,
              scopegate_easy_getinfo_pointer(raw, CURLINFO_PRIMARY_IP, &peerIP) == CURLE_OK, let peerIP
        else { return }
        let address = ConnectionReuseGuard.Address(
            localPort: localPort, peerPort: peerPort, peerIP: String(cString: peerIP.assumingMemoryBound(to: CChar.self)))
        reuseGuard.kept(socket: Int32(socket), at: address)
    }

    /// `CURLOPT_PREREQFUNCTION`: a connection is about to carry this transfer's request. A
    /// reused HTTP/1.1 connection with bytes waiting (or at its end) is refused.
    fileprivate func connectionReady(peerIP: UnsafeMutablePointer<CChar>?, peerPort: Int32, localPort: Int32) -> Int32 {
        guard let reuseGuard, let transfer, !transfer.request.http2, let peerIP else { return CURL_PREREQFUNC_OK }
        var connects = 0
        // A new connection was made for this transfer: nothing of an earlier exchange can wait on it.
        guard scopegate_easy_getinfo_long(raw, CURLINFO_NUM_CONNECTS, &connects) == CURLE_OK, connects == 0 else {
            return CURL_PREREQFUNC_OK
        }
        let address = ConnectionReuseGuard.Address(localPort: Int(localPort), peerPort: Int(peerPort), peerIP: String(cString: peerIP))
        if reuseGuard.mayCarryRequest(address) { return CURL_PREREQFUNC_OK }
        refusedDirtyConnection = true
        return CURL_PREREQFUNC_ABORT
    }
}

private func curlPrereqCallback(_ clientp: UnsafeMutableRawPointer?, _ peerIP: UnsafeMutablePointer<CChar>?, _ localIP: UnsafeMutablePointer<CChar>?,
                                _ peerPort: Int32, _ localPort: Int32) -> Int32 {
    Unmanaged<CurlEasyHandle>.fromOpaque(clientp!).takeUnretainedValue().connectionReady(peerIP: peerIP, peerPort: peerPort, localPort: localPort)
}

private func curlCloseSocketCallback(_ clientp: UnsafeMutableRawPointer?, _ socket: curl_socket_t) -> Int32 {
    Unmanaged<ConnectionReuseGuard>.fromOpaque(clientp!).takeUnretainedValue().closing(socket: Int32(socket))
}
