import Foundation
import FuzzSupport
import ScopeGateCore

/// `gateway.json` through the loader (the strict JSON parser, then every section's decoder and
/// check, collecting problems with their JSON paths), the route table built from an accepted
/// file, and the live-reload comparison with the fixture's configuration.
///
/// Invariants: a refused file names at least one problem, each with a JSON path and a message;
/// an accepted one builds its route table, and every route prefix matches itself.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Data(UnsafeRawBufferPointer(start: data, count: size))
    do {
        let config = try ConfigLoader.decode(bytes, baseDirectory: "/nonexistent/scopegate-fuzz")
        let routes = RouteTable(config: config)
        for route in config.routes {
            FuzzInvariant.require(routes.match(path: route.prefix) != nil, "route \(route.prefix.debugDescription) does not match its own prefix")
        }
        _ = LiveReloadRules.problems(running: FuzzFixture.shared.config, new: config)
        _ = config.warnings
    } catch let error as ConfigError {
        FuzzInvariant.require(!error.problems.isEmpty, "refused with no problem named")
        for problem in error.problems {
            FuzzInvariant.require(!problem.path.isEmpty && !problem.message.isEmpty, "problem without a path or a message: \(problem)")
        }
        _ = error.description
    } catch {
        FuzzInvariant.require(false, "untyped error \(error)")
    }
    return 0
}
