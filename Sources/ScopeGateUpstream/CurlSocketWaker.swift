import CCurl
import NIOConcurrencyHelpers
#if canImport(Glibc)
import Glibc
#endif

/// Watches the epoll sets of the curl loops that run on event loops, and wakes a loop when one
/// of its sockets is ready (Linux: an epoll set is itself pollable, epoll(7)).
///
/// One thread for all loops. Each loop's set is registered with `EPOLLONESHOT`: after it fired,
/// the waker leaves it alone until the loop's next iteration has run and ``rearm(_:)`` was
/// called, so a loop busy with ready sockets costs the waker nothing, and a set that is still
/// ready when rearmed fires again at once (level-triggered). The thread does no curl work.
final class CurlSocketWaker: Sendable {
    private let epoll: Int32
    private let stop: Int32
    /// Descriptor of each loop's epoll set, by index.
    private let sets: [Int32]
    private let loops: [CurlMultiLoop]
    private let thread: NIOLockedValueBox<CurlThread?> = NIOLockedValueBox(nil)
    private static let oneShotReadable: UInt32 = 0x001 | 0x4000_0000  // EPOLLIN | EPOLLONESHOT

    /// Registers every loop's set and starts the thread. Throws ``UpstreamError/failed(_:)``.
    init(loops: [CurlMultiLoop]) throws {
        let epoll = scopegate_epoll_create()
        guard epoll >= 0 else { throw UpstreamError.failed("epoll_create1 failed") }
        let stop = scopegate_eventfd_create()
        guard stop >= 0 else {
            close(epoll)
            throw UpstreamError.failed("eventfd failed")
        }
        self.epoll = epoll
        self.stop = stop
        self.loops = loops
        self.sets = loops.map { $0.poller.descriptor }
        _ = scopegate_epoll_ctl(epoll, EPOLL_CTL_ADD, stop, 0x001)
        for set in sets where scopegate_epoll_ctl(epoll, EPOLL_CTL_ADD, set, Self.oneShotReadable) != 0 {
            close(epoll)
            close(stop)
            throw UpstreamError.failed("epoll_ctl of a curl loop's set failed")
        }
        for (index, loop) in loops.enumerated() { loop.waker.withLockedValue { $0 = (self, index) } }
        let started = try CurlThread(name: "sg-curl-waker") { [sets, loops, epoll, stop] in
            Self.run(epoll: epoll, stop: stop, sets: sets, loops: loops)
        }
        thread.withLockedValue { $0 = started }
    }

    /// Its own epoll set and eventfd, for tests.
    var descriptors: [Int32] { [epoll, stop] }

    deinit {
        close(epoll)
        close(stop)
    }

    /// Watches loop `index`'s set again (called by that loop after an iteration).
    func rearm(_ index: Int) {
        _ = scopegate_epoll_ctl(epoll, EPOLL_CTL_MOD, sets[index], Self.oneShotReadable)
    }

    /// Stops and joins the thread. Idempotent; blocks.
    func shutdown() {
        scopegate_eventfd_signal(stop)
        let running = thread.withLockedValue { thread in
            defer { thread = nil }
            return thread
        }
        running?.join()
        for loop in loops { loop.waker.withLockedValue { $0 = nil } }
    }

    private static func run(epoll: Int32, stop: Int32, sets: [Int32], loops: [CurlMultiLoop]) {
        let capacity: Int32 = 64
        let readySets = UnsafeMutablePointer<Int32>.allocate(capacity: Int(capacity))
        let readyEvents = UnsafeMutablePointer<UInt32>.allocate(capacity: Int(capacity))
        defer {
            readySets.deallocate()
            readyEvents.deallocate()
        }
        while true {
            let count = scopegate_epoll_wait(epoll, readySets, readyEvents, capacity, -1)
            for index in 0..<Int(max(0, count)) {
                let descriptor = readySets[index]
                if descriptor == stop { return }
                if let loop = sets.firstIndex(of: descriptor) { loops[loop].socketsReady() }
            }
        }
    }
}
