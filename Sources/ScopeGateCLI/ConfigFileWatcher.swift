import Foundation

/// Notices changes of the config file for `serve --watch`.
///
/// Every `interval` it reads the file's identity through every symlink (`stat`: device,
/// inode, size, modification time) and, when that changed, the file's bytes: a change is
/// reported once the content differs from the last content seen. This catches an edit in
/// place, a file replaced by rename (editors, `kubectl cp`), and the atomic symlink swap by
/// which Kubernetes updates a mounted ConfigMap (`gateway.json -> ..data/gateway.json`,
/// `..data -> ..2026_12_02_...`). Polling rather than inotify: a watch on the file itself
/// is lost when the symlink moves, and a poll of one `stat` per second costs nothing.
/// It runs on a Swift concurrency task, never on an event loop.
struct ConfigFileWatcher: Sendable {
    let path: String
    var interval: Duration = .seconds(1)

    private struct Identity: Equatable {
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var modified: timespec

        static func == (a: Identity, b: Identity) -> Bool {
            a.device == b.device && a.inode == b.inode && a.size == b.size
                && a.modified.tv_sec == b.modified.tv_sec && a.modified.tv_nsec == b.modified.tv_nsec
        }
    }

    private static func identity(of path: String) -> Identity? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Identity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int64(info.st_size),
                        modified: info.st_mtim)
    }

    /// One element per change of content, until the task is cancelled.
    func changes() -> AsyncStream<Void> {
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let task = Task { [path, interval] in
            var identity = Self.identity(of: path)
            var content = FileManager.default.contents(atPath: path)
            while !Task.isCancelled {
                do { try await Task.sleep(for: interval) } catch { break }
                let now = Self.identity(of: path)
                guard now != identity else { continue }
                identity = now
                guard let bytes = FileManager.default.contents(atPath: path), bytes != content else { continue }
                content = bytes
                continuation.yield()
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }
}
