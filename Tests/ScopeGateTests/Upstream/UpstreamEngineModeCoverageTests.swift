import Foundation
import XCTest

/// The engine tests run in both modes: each thread-mode class (see ``UpstreamEngineTestCase``)
/// names again every test of the event-loop class it inherits from, since Linux XCTest runs
/// only the test methods a class declares itself. Read from the test sources.
final class UpstreamEngineModeCoverageTests: XCTestCase {
    private func testNames(in file: String, pattern: String) throws -> Set<String> {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(file)
        let text = try String(contentsOf: url, encoding: .utf8)
        let expression = try NSRegularExpression(pattern: pattern, options: [.anchorsMatchLines])
        let range = NSRange(text.startIndex..., in: text)
        return Set(expression.matches(in: text, range: range).compactMap { match in
            Range(match.range(at: 1), in: text).map { String(text[$0]) }
        })
    }

    private func checkEveryTestRunsInThreadMode(_ file: String) throws {
        let declared = try testNames(in: file, pattern: #"^    func (test\w+)\("#)
        let forwarded = try testNames(in: file, pattern: #"^    override func (test\w+)\("#)
        XCTAssertFalse(declared.isEmpty, file)
        XCTAssertEqual(declared.subtracting(forwarded).sorted(), [], "\(file): tests the thread-mode class does not run")
        XCTAssertEqual(forwarded.subtracting(declared).sorted(), [], "\(file): forwarded tests that do not exist")
    }

    func testEveryEngineTestRunsInThreadModeToo() throws {
        try checkEveryTestRunsInThreadMode("CurlEngineTests.swift")
    }

    func testEveryStreamingTestRunsInThreadModeToo() throws {
        try checkEveryTestRunsInThreadMode("CurlStreamingTests.swift")
    }
}
