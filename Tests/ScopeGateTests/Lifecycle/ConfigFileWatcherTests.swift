import Foundation
import XCTest
import ScopeGateServer

/// `serve --watch` notices every edit made after the config was read, however late its
/// first poll runs.
final class ConfigFileWatcherTests: XCTestCase {
    /// Failing input: under load, an edit written right after the `listening` line was taken
    /// as the watch's starting point (the baseline was read when its task first ran) and the
    /// reload never came.
    func testAnEditBeforeTheFirstPollIsAChange() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("watch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("gateway.json").path
        try Data(#"{"version": 1}"#.utf8).write(to: URL(fileURLWithPath: path))

        let baseline = ConfigFileWatcher.baseline(path: path)
        try Data(#"{"version": 2}"#.utf8).write(to: URL(fileURLWithPath: path))   // before the watch runs
        let watcher = ConfigFileWatcher(path: path, files: { [] }, interval: .milliseconds(20))
        var changes = watcher.changes(since: baseline).makeAsyncIterator()
        let change: Void? = await changes.next()
        XCTAssertNotNil(change, "the edit made before the first poll was missed")
    }
}
