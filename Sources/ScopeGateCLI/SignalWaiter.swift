import Dispatch
import Foundation

/// Suspends until the process receives one of the given signals.
enum SignalWaiter {
    static func wait(for signals: [Int32]) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let queue = DispatchQueue(label: "scopegate.signals")
            let once = Once()
            var sources: [any DispatchSourceSignal] = []
            for signalNumber in signals {
                signal(signalNumber, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
                source.setEventHandler {
                    if once.fire() { continuation.resume() }
                }
                source.resume()
                sources.append(source)
            }
            // The sources live as long as the process: serve exits right after.
            SignalSources.keep(sources)
        }
    }

    private final class Once: @unchecked Sendable {
        private var fired = false
        private let lock = NSLock()
        func fire() -> Bool {
            lock.lock(); defer { lock.unlock() }
            if fired { return false }
            fired = true
            return true
        }
    }

    private enum SignalSources {
        nonisolated(unsafe) static var kept: [any DispatchSourceSignal] = []
        static func keep(_ sources: [any DispatchSourceSignal]) { kept += sources }
    }
}
