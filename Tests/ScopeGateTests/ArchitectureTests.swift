import Foundation
import XCTest

/// The house rule that keeps `serve` and `explain` on one decision: Config, Auth, Policy
/// (and the JSON and text helpers they use) import neither NIO nor curl.
final class ArchitectureTests: XCTestCase {
    func testPureFoldersImportNoNIOAndNoCurl() throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/ScopeGate")
        var checked = 0
        for folder in ["Config", "Auth", "Policy", "JSON", "Text"] {
            let directory = sources.appendingPathComponent(folder)
            for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) where name.hasSuffix(".swift") {
                let text = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
                for line in text.split(separator: "\n") where line.hasPrefix("import ") || line.contains(" import ") {
                    XCTAssertFalse(line.contains("NIO") || line.contains("CCurl"), "\(folder)/\(name): \(line)")
                }
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 40)
    }
}
