import Foundation
import ScopeGate

/// Notices changes of the config file, and of the key files it names, for `serve --watch`.
///
/// Every `interval` it reads each file's identity through every symlink (`stat`: device,
/// inode, size, modification time) and, when that changed, the file's bytes: a change is
/// reported once some file's content differs from the last content seen. This catches an edit
/// in place, a file replaced by rename (editors, `kubectl cp`), and the atomic symlink swap by
/// which Kubernetes updates a mounted ConfigMap or Secret (`gateway.json -> ..data/gateway.json`,
/// `..data -> ..2026_12_02_...`), for `gateway.json` and for the JWKS and HMAC secret files the
/// running configuration reads (`files`, asked again at every poll, so a reload that names
/// other files is followed). Polling rather than inotify: a watch on a file is lost when the
/// symlink moves, and a few `stat` calls per second cost nothing. It runs on a Swift
/// concurrency task, never on an event loop.
struct ConfigFileWatcher: Sendable {
    /// The config file.
    let path: String
    /// The other files to watch, from the running configuration.
    let files: @Sendable () -> [String]
    var interval: Duration = .seconds(1)

    private struct Identity: Equatable {
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var seconds: Int
        var nanoseconds: Int
    }

    private struct Seen {
        var identity: Identity?
        var content: Data?
    }

    private static func identity(of path: String) -> Identity? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Identity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int64(info.st_size),
                        seconds: info.st_mtim.tv_sec, nanoseconds: info.st_mtim.tv_nsec)
    }

    private static func look(at path: String) -> Seen {
        Seen(identity: identity(of: path), content: FileManager.default.contents(atPath: path))
    }

    /// One element per change of content, until the task is cancelled.
    func changes() -> AsyncStream<Void> {
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let task = Task { [path, files, interval] in
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
            // The key files the file on disk names: after a refused reload (a JWKS file the new
            // config names does not exist yet), its appearance must trigger the retry.
            func named(by content: Data?) -> [String]? {
                content.flatMap { try? ConfigLoader.decode($0, baseDirectory: directory).keyFiles }
            }
            var seen: [String: Seen] = [:]
            seen[path] = Self.look(at: path)
            var namedFiles = named(by: seen[path]?.content) ?? []
            for file in files() + namedFiles { seen[file] = Self.look(at: file) }
            while !Task.isCancelled {
                do { try await Task.sleep(for: interval) } catch { break }
                var changed = false
                var next: [String: Seen] = [:]
                var watched = [path] + files()
                for file in namedFiles where !watched.contains(file) { watched.append(file) }
                for file in watched {
                    let identity = Self.identity(of: file)
                    if let previous = seen[file], previous.identity == identity {
                        next[file] = previous
                        continue
                    }
                    let now = Seen(identity: identity, content: FileManager.default.contents(atPath: file))
                    // A file newly watched (named by a reload) is a baseline, not a change.
                    if let previous = seen[file], previous.content != now.content { changed = true }
                    next[file] = now
                }
                let configChanged = next[path]?.content != seen[path]?.content
                if configChanged, let files = named(by: next[path]?.content) {
                    namedFiles = files
                    // Their baseline is taken now, before the reload runs: a file that appears
                    // after this poll is a change (the retry of a reload that missed it).
                    for file in files where next[file] == nil { next[file] = Self.look(at: file) }
                }
                seen = next
                if changed { continuation.yield() }
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }
}
