import Foundation
@testable import ScopeGateCore

/// A key source whose unknown-`kid` refetches the test finishes by hand: it records every
/// refetch asked for, accepts it (or refuses it, as a static source or one in its cooldown
/// would), and calls the completions when ``finishRefetch(with:)`` swaps in a new set.
final class ManualKeySource: KeySource {
    private struct State {
        var keySet: VerificationKeySet?
        var asked: [String] = []
        var completions: [(keyID: String, completion: @Sendable (Bool) -> Void)] = []
        var refuses = false
    }

    private let state: LockedState<State>

    init(_ keySet: VerificationKeySet?) {
        state = LockedState(State(keySet: keySet))
    }

    var keySet: VerificationKeySet? { state.withLock { $0.keySet } }

    /// The `kid` of every refetch asked for, in order (refused ones too).
    var askedKeyIDs: [String] { state.withLock { $0.asked } }

    /// From now on every refetch is refused (`false`, the completion never called).
    func refuseRefetches() {
        state.withLock { $0.refuses = true }
    }

    func refetch(forUnknownKeyID keyID: String, completion: @escaping @Sendable (Bool) -> Void) -> Bool {
        state.withLock { state in
            state.asked.append(keyID)
            guard !state.refuses else { return false }
            state.completions.append((keyID, completion))
            return true
        }
    }

    /// The refetch under way ends: `keySet` is the source's set, and each waiting completion
    /// is called (on this thread) with whether the set holds its `kid`.
    func finishRefetch(with keySet: VerificationKeySet?) {
        let completions = state.withLock { state in
            state.keySet = keySet
            defer { state.completions = [] }
            return state.completions
        }
        for waiting in completions {
            waiting.completion(keySet?.contains(keyID: waiting.keyID) ?? false)
        }
    }
}
