import Foundation
import XCTest

/// The layers of the house, one target each, and what each may import. The build enforces the
/// declared dependencies (`scripts/test.sh` builds with `--explicit-target-dependency-import-check
/// error`); this test keeps the declarations themselves from drifting: the core stays pure (no
/// NIO, no curl) so `serve` and `explain` take one decision, the engine knows nothing of the
/// server, and no library target depends on the demo tools.
final class ArchitectureTests: XCTestCase {
    /// Platform modules any target may import.
    private static let platform: Set<String> = ["Foundation", "Glibc", "Darwin", "Musl", "Dispatch", "Synchronization"]

    /// Target folder -> the modules its sources may import (besides ``platform``).
    private static let allowed: [String: Set<String>] = [
        "ScopeGateCore": ["Crypto", "JWTKit"],
        "ScopeGateObservability": ["ScopeGateCore", "NIOConcurrencyHelpers", "CoreMetrics", "Prometheus", "Atomics"],
        "ScopeGateUpstream": ["ScopeGateCore", "CCurl", "NIOCore", "NIOConcurrencyHelpers"],
        "ScopeGateServer": ["ScopeGateCore", "ScopeGateObservability", "ScopeGateUpstream",
                            "NIOCore", "NIOPosix", "NIOHTTP1", "NIOConcurrencyHelpers"],
        "ScopeGateOpenAPI": ["ScopeGateCore", "OpenAPIKit", "OpenAPIKit30", "OpenAPIKitCompat", "Yams"],
        "ScopeGateDemo": ["ScopeGateCore", "ScopeGateObservability", "NIOCore", "NIOConcurrencyHelpers", "NIOPosix", "NIOHTTP1", "JWTKit", "Crypto"],
    ]

    func testEachLayerImportsOnlyWhatItMay() throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources")
        var checked = 0
        for (target, allowed) in Self.allowed {
            let imports = try Self.imports(under: sources.appendingPathComponent(target))
            XCTAssertFalse(imports.isEmpty, "\(target): no sources found")
            for (module, file) in imports where !allowed.contains(module) && !Self.platform.contains(module) {
                XCTFail("\(target)/\(file) imports \(module), outside its layer")
            }
            checked += imports.count
        }
        XCTAssertGreaterThan(checked, 100)
    }

    func testTheLayersHaveNoCycleAndTheCoreIsPure() {
        XCTAssertTrue(Self.allowed["ScopeGateCore"]!.allSatisfy { !$0.hasPrefix("NIO") && $0 != "CCurl" && !$0.hasPrefix("ScopeGate") })
        // Depth-first search over the ScopeGate targets: no target reaches itself.
        func reaches(_ from: String, _ target: String, _ seen: inout Set<String>) -> Bool {
            for next in Self.allowed[from, default: []] where next.hasPrefix("ScopeGate") {
                if next == target { return true }
                if seen.insert(next).inserted, reaches(next, target, &seen) { return true }
            }
            return false
        }
        for target in Self.allowed.keys {
            var seen: Set<String> = []
            XCTAssertFalse(reaches(target, target, &seen), "\(target) depends on itself")
            XCTAssertFalse(target != "ScopeGateDemo" && reaches(target, "ScopeGateDemo", &seen), "\(target) reaches the demo tools")
        }
    }

    /// Every `import M` (with or without attributes such as `@_spi(...)`) under `directory`, with
    /// the file it is in.
    private static func imports(under directory: URL) throws -> [(module: String, file: String)] {
        var result: [(String, String)] = []
        let files = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil)
        while let url = files?.nextObject() as? URL {
            guard url.pathExtension == "swift" else { continue }
            let text = try String(contentsOf: url, encoding: .utf8)
            for line in text.split(separator: "\n") {
                let words = line.split(separator: " ").filter { !$0.hasPrefix("@") }
                if words.count == 2, words[0] == "import" { result.append((String(words[1]), url.lastPathComponent)) }
            }
        }
        return result
    }
}
