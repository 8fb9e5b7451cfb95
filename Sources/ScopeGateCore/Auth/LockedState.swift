import Foundation

/// A value guarded by an `NSLock`, for the few mutable objects in Auth (which imports no NIO,
/// so `NIOLockedValueBox` is not available; `Synchronization.Mutex` needs macOS 15 and gives
/// false ThreadSanitizer reports on Linux).
///
/// Threading: any thread. Keep the closures short; never await or call out while holding it.
/// `withLock` is inlinable so that the engine's backend pools, in another target, get it
/// specialised and inlined as code in the core does.
package final class LockedState<Value>: @unchecked Sendable {
    @usableFromInline let lock = NSLock()
    @usableFromInline var value: Value

    package init(_ value: Value) {
        self.value = value
    }

    /// Runs `body` with exclusive access to the value.
    @inlinable
    package func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
