import CCurl
#if canImport(Glibc)
import Glibc
#endif

/// The sockets one curl thread waits on, and its doorbell: an epoll set (level-triggered)
/// plus an eventfd that other threads signal (epoll(7), eventfd(2); Linux only).
///
/// libcurl tells the thread which sockets to watch through `CURLMOPT_SOCKETFUNCTION`, so a
/// wait costs O(ready sockets) instead of `curl_multi_poll`'s O(all transfers). ``wake()``
/// is safe from any thread; everything else belongs to the curl thread (`@unchecked`: the
/// event buffers and the socket table are only touched there).
final class ReadinessPoller: @unchecked Sendable {
    /// What a socket is waited for (curl's `CURL_POLL_IN`, `_OUT`, `_INOUT`).
    struct Interest: OptionSet, Sendable {
        let rawValue: UInt32
        static let readable = Interest(rawValue: 0x001)  // EPOLLIN
        static let writable = Interest(rawValue: 0x004)  // EPOLLOUT
    }

    /// One ready socket: curl's `CURL_CSELECT_IN` / `_OUT` / `_ERR` bits.
    struct Ready {
        var socket: Int32
        var mask: Int32
    }

    private let epoll: Int32
    /// The epoll set itself, for a ``CurlSocketWaker`` to watch (event-loop mode).
    var descriptor: Int32 { epoll }
    private let doorbell: Int32
    /// The epoll set and the doorbell, for tests.
    var descriptors: [Int32] { [epoll, doorbell] }
    private static let capacity: Int32 = 256
    private let readySockets = UnsafeMutablePointer<Int32>.allocate(capacity: Int(capacity))
    private let readyEvents = UnsafeMutablePointer<UInt32>.allocate(capacity: Int(capacity))

    /// Throws ``UpstreamError/failed(_:)`` when the kernel refuses an epoll set or an eventfd.
    init() throws {
        let epoll = scopegate_epoll_create()
        guard epoll >= 0 else { throw UpstreamError.failed("epoll_create1 failed") }
        let doorbell = scopegate_eventfd_create()
        guard doorbell >= 0 else {
            close(epoll)
            throw UpstreamError.failed("eventfd failed")
        }
        guard scopegate_epoll_ctl(epoll, EPOLL_CTL_ADD, doorbell, Interest.readable.rawValue) == 0 else {
            close(epoll)
            close(doorbell)
            throw UpstreamError.failed("epoll_ctl of the eventfd failed")
        }
        self.epoll = epoll
        self.doorbell = doorbell
    }

    deinit {
        close(epoll)
        close(doorbell)
        readySockets.deallocate()
        readyEvents.deallocate()
    }

    /// Makes the current or next ``wait(milliseconds:into:)`` return. Any thread.
    func wake() {
        scopegate_eventfd_signal(doorbell)
    }

    /// Sockets in the epoll set and what they are waited for.
    ///
    /// libcurl drops a socket from its interest each time a transfer ends and asks for it
    /// again when the next transfer reuses the connection. A socket it dropped while waiting
    /// only to read stays in the set (``forget(_:)``): reuse then costs one `EPOLL_CTL_MOD`
    /// instead of a delete and an add, and a socket that turns readable while nobody wants it
    /// (the backend closed the idle connection) is removed when ``wait(milliseconds:into:)``
    /// sees it. A closed socket leaves the set by itself (epoll(7)) and its number may come
    /// back for a new socket (libcurl closes a connection, or its resolver's socket pair, and
    /// makes the next one): so a kept entry is always checked with that `EPOLL_CTL_MOD`, and
    /// a stale one is repaired by the `ENOENT` fallback.
    private var registered: [Int32: Interest] = [:]
    private var wanted: Set<Int32> = []

    /// Waits for `socket` to become `interest` (curl thread).
    func watch(_ socket: Int32, for interest: Interest) {
        // Not wanted since `forget`: kept in the set, or closed meanwhile and the number reused.
        let kept = wanted.insert(socket).inserted
        if let current = registered[socket] {
            if current == interest && !kept { return }
            let code = scopegate_epoll_ctl(epoll, EPOLL_CTL_MOD, socket, interest.rawValue)
            if code == 0 { registered[socket] = interest; return }
            registered[socket] = nil   // closed and reused since: add it afresh
        }
        var code = scopegate_epoll_ctl(epoll, EPOLL_CTL_ADD, socket, interest.rawValue)
        if code == EEXIST { code = scopegate_epoll_ctl(epoll, EPOLL_CTL_MOD, socket, interest.rawValue) }
        if code == 0 { registered[socket] = interest }
    }

    /// libcurl no longer needs `socket` watched (curl thread).
    func forget(_ socket: Int32) {
        wanted.remove(socket)
        guard let current = registered[socket] else { return }
        if current == .readable { return }   // kept: see `registered`
        registered[socket] = nil
        _ = scopegate_epoll_ctl(epoll, EPOLL_CTL_DEL, socket, 0)
    }

    /// Blocks up to `milliseconds` (-1: until something happens) and replaces `ready` with
    /// the sockets that are ready; a rung doorbell is reset.
    func wait(milliseconds: Int32, into ready: inout [Ready]) {
        ready.removeAll(keepingCapacity: true)
        let count = scopegate_epoll_wait(epoll, readySockets, readyEvents, Self.capacity, milliseconds)
        for index in 0..<Int(max(0, count)) {
            if readySockets[index] == doorbell {
                scopegate_eventfd_drain(doorbell)
                continue
            }
            let socket = readySockets[index]
            if !wanted.contains(socket) {
                registered[socket] = nil
                _ = scopegate_epoll_ctl(epoll, EPOLL_CTL_DEL, socket, 0)
                continue
            }
            let event = readyEvents[index]
            var mask: Int32 = 0
            if event & 0x001 != 0 { mask |= CURL_CSELECT_IN }           // EPOLLIN
            if event & 0x004 != 0 { mask |= CURL_CSELECT_OUT }          // EPOLLOUT
            if event & (0x008 | 0x010) != 0 { mask |= CURL_CSELECT_ERR }  // EPOLLERR, EPOLLHUP
            ready.append(Ready(socket: socket, mask: mask))
        }
    }
}
