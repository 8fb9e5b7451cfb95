import Foundation

/// Consumes `value` in a function the optimiser may neither inline nor see through, so the
/// work that produced it cannot be removed as dead code. Costs one call (about 1 ns).
@inline(never) @_optimize(none)
func blackHole<T>(_ value: T) {}

/// The result of one measured operation on one thread.
struct Figures {
    /// Median time per operation over the repetitions, in nanoseconds.
    var nanosecondsPerOp: Double
    /// (slowest - fastest) / median of the repetitions' times per operation: how noisy the run was.
    var spread: Double

    /// Operations per second at the median time.
    var opsPerSecond: Double { 1e9 / nanosecondsPerOp }
}

/// The measuring loop shared by every benchmark: calibrate while warming up, then time a few
/// equal repetitions with `ContinuousClock` (monotonic) and keep the median.
enum Timing {
    /// Timed repetitions per measurement; the median is reported.
    static let repetitions = 5

    /// Measures `body`, which must perform `rounds * opsPerRound` operations when called
    /// with `rounds` (and feed each result to ``blackHole(_:)``).
    ///
    /// Warm-up and calibration: `rounds` doubles from 1 until one call takes at least a tenth
    /// of a repetition's share of `seconds`; then `rounds` is scaled so that each of the
    /// ``repetitions`` timed calls takes about `seconds / repetitions`.
    /// - Parameter seconds: the time to spend in the timed repetitions, in seconds (> 0).
    static func measure(opsPerRound: Int, seconds: Double, _ body: (_ rounds: Int) -> Void) -> Figures {
        precondition(opsPerRound > 0 && seconds > 0)
        let clock = ContinuousClock()
        func run(_ rounds: Int) -> Double {
            let start = clock.now
            body(rounds)
            return Self.seconds(clock.now - start)
        }
        let share = seconds / Double(repetitions)
        var rounds = 1
        var elapsed = run(rounds)
        while elapsed < share / 10, rounds < 1 << 40 {
            rounds *= 2
            elapsed = run(rounds)
        }
        rounds = max(1, Int(Double(rounds) * share / max(elapsed, 1e-9)))
        let perOp = (0..<repetitions)
            .map { _ in run(rounds) * 1e9 / Double(rounds * opsPerRound) }
            .sorted()
        let median = perOp[repetitions / 2]
        return Figures(nanosecondsPerOp: median, spread: (perOp[repetitions - 1] - perOp[0]) / median)
    }

    static func seconds(_ duration: Duration) -> Double {
        let (whole, attoseconds) = duration.components
        return Double(whole) + Double(attoseconds) / 1e18
    }
}

/// Table output for the nanosecond-scale benchmarks (`routes`, `paths`, `decide`).
enum Report {
    static let labelWidth = 46

    /// A section title and the column header.
    static func section(_ title: String) {
        print("")
        print(title)
        print(pad("  case", labelWidth) + "       ops/s        ns/op   spread")
    }

    /// One row: ops/s, ns/op (median) and the spread of the repetitions.
    static func row(_ label: String, _ figures: Figures) {
        print(pad("  " + label, labelWidth)
              + String(format: "%12.0f /s  %8.1f ns  %5.1f%%", figures.opsPerSecond, figures.nanosecondsPerOp, figures.spread * 100))
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text.padding(toLength: width, withPad: " ", startingAt: 0)
    }
}
