#if canImport(Glibc)
import NIOConcurrencyHelpers
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A dedicated, joinable OS thread for one curl multi loop.
///
/// The loop blocks in `epoll_wait`, so it must not run on an event loop or in the
/// Swift concurrency pool.
final class CurlThread: Sendable {
    private final class Entry {
        let name: String
        let body: @Sendable () -> Void
        init(name: String, body: @escaping @Sendable () -> Void) {
            self.name = name
            self.body = body
        }
    }

    private let joined = NIOLockedValueBox<(thread: pthread_t?, joined: Bool)>((nil, false))

    /// Starts `body` on a new thread. `name` appears in errors (and as the thread name on Darwin;
    /// Glibc's `pthread_setname_np` is not imported without `_GNU_SOURCE`).
    init(name: String, body: @escaping @Sendable () -> Void) throws {
        let entry = Unmanaged.passRetained(Entry(name: name, body: body)).toOpaque()
        #if canImport(Darwin)
        var thread: pthread_t? = nil
        #else
        var thread = pthread_t()
        #endif
        let rc = pthread_create(&thread, nil, { argument in
            // Balances the passRetained above: the entry lives exactly as long as the thread body.
            let entry = Unmanaged<Entry>.fromOpaque(argument!).takeRetainedValue()
            #if canImport(Darwin)
            pthread_setname_np(String(entry.name.utf8.prefix(15))!)
            #endif
            entry.body()
            return nil
        }, entry)
        guard rc == 0 else {
            Unmanaged<Entry>.fromOpaque(entry).release()
            throw UpstreamError.failed("cannot start thread \(name): pthread_create returned \(rc)")
        }
        #if canImport(Darwin)
        let started = thread
        #else
        let started: pthread_t? = thread
        #endif
        joined.withLockedValue { $0.thread = started }
    }

    /// Waits for the thread's body to return. Idempotent; must not be called from the thread itself.
    func join() {
        let thread: pthread_t? = joined.withLockedValue { state in
            if state.joined { return nil }
            state.joined = true
            return state.thread
        }
        if let thread { pthread_join(thread, nil) }
    }
}
