/// A one-shot signal from a key source's refetch to whoever waits for it.
///
/// The refetch may finish before anyone registers (then the registration is called at once,
/// on the registering thread) or after (then on the thread that finished the refetch).
/// ``arrive()`` and ``whenArrived(_:)`` each happen once: a second call is a programming error
/// and traps (``KeySource/refetch(forUnknownKeyID:completion:)`` calls its completion exactly
/// once; a ``PendingToken`` is resumed by one owner).
///
/// Threading: any thread; the callback is never called with the lock held.
final class KeyArrival: Sendable {
    private enum State {
        case waiting
        case registered(@Sendable () -> Void)
        case arrived
        case delivered
    }

    private let state = LockedState(State.waiting)

    /// The refetch has finished: calls the registered callback, if any.
    func arrive() {
        let callback = state.withLock { state -> (@Sendable () -> Void)? in
            switch state {
            case .waiting:
                state = .arrived
                return nil
            case .registered(let callback):
                state = .delivered
                return callback
            case .arrived, .delivered:
                preconditionFailure("a key source completed one refetch twice")
            }
        }
        callback?()
    }

    /// Calls `callback` once the refetch has finished: now, when it already has.
    func whenArrived(_ callback: @escaping @Sendable () -> Void) {
        let arrived = state.withLock { state -> Bool in
            switch state {
            case .waiting:
                state = .registered(callback)
                return false
            case .arrived:
                state = .delivered
                return true
            case .registered, .delivered:
                preconditionFailure("a pending token's keys were awaited twice")
            }
        }
        if arrived { callback() }
    }
}
