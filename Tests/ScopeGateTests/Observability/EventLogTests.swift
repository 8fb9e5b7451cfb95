import Foundation
import XCTest
@testable import ScopeGateObservability

final class EventLogTests: XCTestCase {
    private func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("scopegate-log-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        return directory
    }

    private func lines(_ url: URL) -> [String] {
        ((try? String(contentsOf: url, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// logrotate moves the file, then SIGHUP: later lines go to a new file at the same path.
    func testReopenAfterTheFileWasMovedWritesToANewFile() throws {
        let directory = try temporaryDirectory()
        let path = directory.appendingPathComponent("gateway.log")
        let log = try EventLog(destination: .file(path: path.path))
        log.write("{\"n\":1}\n")
        log.flush()
        let rotated = directory.appendingPathComponent("gateway.log.1")
        try FileManager.default.moveItem(at: path, to: rotated)
        log.write("{\"n\":2}\n")
        log.flush()
        log.reopen()
        log.write("{\"n\":3}\n")
        log.close()
        XCTAssertEqual(lines(rotated), [#"{"n":1}"#, #"{"n":2}"#])
        XCTAssertEqual(lines(path), [#"{"n":3}"#])
    }

    /// Denial and access lines share the writer; each goes to its own destination, in order.
    func testAccessLinesGoToTheirOwnFileAndOffDropsThem() throws {
        let directory = try temporaryDirectory()
        let denials = directory.appendingPathComponent("denials.log"), access = directory.appendingPathComponent("access.log")
        let log = try EventLog(destination: .file(path: denials.path), access: .file(path: access.path))
        log.write("d1\n"); log.writeAccess("a1\n"); log.write("d2\n"); log.writeAccess("a2\n")
        log.close()
        XCTAssertEqual(lines(denials), ["d1", "d2"])
        XCTAssertEqual(lines(access), ["a1", "a2"])

        let shared = directory.appendingPathComponent("shared.log")
        let both = try EventLog(destination: .file(path: shared.path), access: .file(path: shared.path))
        both.write("d1\n"); both.writeAccess("a1\n"); both.write("d2\n")
        both.close()
        XCTAssertEqual(lines(shared), ["d1", "a1", "d2"])

        let off = try EventLog(destination: .file(path: directory.appendingPathComponent("only.log").path))
        XCTAssertFalse(off.writesAccess)
        off.writeAccess("a1\n"); off.write("d1\n")
        off.close()
        XCTAssertEqual(lines(directory.appendingPathComponent("only.log")), ["d1"])
    }

    func testAnUnopenableAccessFileNamesItsKey() {
        XCTAssertThrowsError(try EventLog(destination: .standardError, access: .file(path: "/nonexistent-dir/access.log"))) { error in
            XCTAssertTrue("\(error)".hasPrefix("log.access: cannot open /nonexistent-dir/access.log"), "\(error)")
        }
    }
}
