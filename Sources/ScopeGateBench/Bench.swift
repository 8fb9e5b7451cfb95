import Foundation

/// `scopegate-bench`: micro-benchmarks of the gateway's per-request hot paths, on ONE thread.
///
///     swift run -c release scopegate-bench [--seconds S] [routes|paths|decide|verify|all ...]
///
/// Each name runs one benchmark (see ``RouteBench``, ``PathBench``, ``DecideBench``,
/// ``VerifyBench``); none, or `all`, runs every one. Every figure is the median of
/// ``Timing/repetitions`` timed repetitions after a warm-up, taking about `S` seconds per line
/// (default 1; a bare number is accepted as `S` too, as in earlier versions).
@main
struct Bench {
    static let names = ["routes", "paths", "decide", "verify"]
    static let usage = "usage: scopegate-bench [--seconds S] [routes|paths|decide|verify|all ...]"

    static func main() async throws {
        var seconds = 1.0
        var selected: [String] = []
        var arguments = CommandLine.arguments.dropFirst()
        while let argument = arguments.popFirst() {
            switch argument {
            case "-h", "--help":
                print(usage)
                return
            case "--seconds":
                guard let value = arguments.popFirst().flatMap(Double.init), value > 0, value.isFinite else { fail("--seconds needs a positive number") }
                seconds = value
            case "all":
                selected += names
            case _ where names.contains(argument):
                selected.append(argument)
            case _ where Double(argument).map { $0 > 0 && $0.isFinite } ?? false:
                seconds = Double(argument)!
            default:
                fail("unknown argument \(argument)")
            }
        }
        if selected.isEmpty { selected = names }

        #if DEBUG
        print("warning: debug build; run `swift run -c release scopegate-bench` for meaningful figures")
        #endif
        print("one thread, about \(seconds) s per line (median of \(Timing.repetitions) after a warm-up), "
              + "\(ProcessInfo.processInfo.processorCount) cores on the machine")
        for name in names where selected.contains(name) {
            switch name {
            case "routes": RouteBench.run(seconds: seconds)
            case "paths": PathBench.run(seconds: seconds)
            case "decide": try await DecideBench.run(seconds: seconds)
            default: try await VerifyBench.run(seconds: seconds)
            }
        }
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("scopegate-bench: \(message)\n\(usage)\n".utf8))
        exit(2)
    }
}
