#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One curl thread's record of the sockets of its kept-alive HTTP/1.1 connections, so that a
/// connection on which the backend sent anything after a response is never reused.
///
/// RFC 9112 §6.3: a response ends at its length (a response to HEAD, a 204 or a 304 at its
/// head), and bytes after it are no part of it; a client "MUST NOT process, cache, or forward
/// such extra data as a separate response". libcurl drops such bytes when they arrive in the
/// same read as the response (closing the connection when the response had a body), but
/// 7.88 reuses a kept-alive connection whose socket holds bytes that came later, so they
/// were read as the next request's response: a body sent after a HEAD head, or a second,
/// smuggled response. (curl 8 refuses such a connection itself: "connection has input
/// pending, not reusable".)
///
/// libcurl does not tell which socket a reused connection has before the request goes out
/// (`CURLINFO_ACTIVESOCKET` is unset then), so the socket is recorded when a transfer ends
/// and its connection goes back to the cache (``kept(socket:at:)``), keyed by the
/// connection's addresses, and dropped when libcurl closes it (``closing(socket:)``, from
/// `CURLOPT_CLOSESOCKETFUNCTION`). `CURLOPT_PREREQFUNCTION`, called when a reused connection
/// is about to carry a request, asks ``mayCarryRequest(_:)``; a refused connection is closed
/// by libcurl and the transfer starts again on another one (see ``CurlEasyHandle``).
///
/// Not for HTTP/2, whose connections carry frames for other streams and pings at any time.
/// Bytes that arrive after the check are read as the response: that race is HTTP/1.1's own.
/// Thread-confined to its curl thread.
final class ConnectionReuseGuard {
    /// A connection's addresses as libcurl reports them (the local address is always the
    /// same host's, so its port is enough).
    struct Address: Hashable {
        var localPort: Int
        var peerPort: Int
        var peerIP: String
    }

    private var sockets: [Address: Int32] = [:]
    private var addresses: [Int32: Address] = [:]

    /// Kept-alive connections on record now.
    var count: Int { sockets.count }

    /// A transfer ended and left its connection, with `socket`, in libcurl's cache.
    func kept(socket: Int32, at address: Address) {
        if let previous = addresses[socket], previous != address { sockets[previous] = nil }
        if let previous = sockets[address], previous != socket { addresses[previous] = nil }
        sockets[address] = socket
        addresses[socket] = address
    }

    /// libcurl is done with `socket` (`CURLOPT_CLOSESOCKETFUNCTION`): forgets it and closes it.
    /// Returns `close`'s result, as libcurl expects.
    func closing(socket: Int32) -> Int32 {
        if let address = addresses.removeValue(forKey: socket) { sockets[address] = nil }
        return close(socket)
    }

    /// Whether the kept-alive connection at `address` may carry a request: not when bytes
    /// wait on its socket or the backend closed it. A connection not on record (new, or
    /// HTTP/2) may.
    func mayCarryRequest(_ address: Address) -> Bool {
        guard let socket = sockets[address] else { return true }
        var byte: UInt8 = 0
        let received = recv(socket, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
        if received < 0 { return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR }
        return false   // bytes waiting (> 0), or the end of the stream (0)
    }
}
