import Foundation
import ScopeGateCore

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
public struct ConfigFileWatcher: Sendable {
    /// The config file.
    public let path: String
    /// The other files to watch, from the running configuration.
    public let files: @Sendable () -> [String]
    /// How often the files are looked at.
    public var interval: Duration

    /// - Parameters:
    ///   - path: the config file.
    ///   - files: the key files the running configuration reads, asked at every poll.
    ///   - interval: the polling interval (default 1 s).
    public init(path: String, files: @escaping @Sendable () -> [String], interval: Duration = .seconds(1)) {
        self.path = path
        self.files = files
        self.interval = interval
    }

    fileprivate struct Identity: Equatable, Sendable {
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var seconds: Int
        var nanoseconds: Int
    }

    fileprivate struct Seen: Sendable {
        var identity: Identity?
        var content: Data?
    }

    /// What the config file and the key files it names held when the watch began.
    public struct Baseline: Sendable {
        fileprivate var seen: [String: Seen]
        fileprivate var namedFiles: [String]
    }

    /// The files' state now. `serve` takes it before it loads the config, so an edit made at
    /// any time after that load, even before the watch's first poll, is a change.
    public static func baseline(path: String) -> Baseline {
        let seen = look(at: path)
        let named = named(by: seen.content, directory: directory(of: path)) ?? []
        var all = [path: seen]
        for file in named { all[file] = look(at: file) }
        return Baseline(seen: all, namedFiles: named)
    }

    private static func directory(of path: String) -> String {
        URL(fileURLWithPath: path).deletingLastPathComponent().path
    }

    /// The key files the config `content` names: after a refused reload (a JWKS file the new
    /// config names does not exist yet), its appearance must trigger the retry.
    private static func named(by content: Data?, directory: String) -> [String]? {
        content.flatMap { try? ConfigLoader.decode($0, baseDirectory: directory).keyFiles }
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

    /// One element per change of content since `baseline`, until the task is cancelled.
    public func changes(since baseline: Baseline) -> AsyncStream<Void> {
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let task = Task { [path, files, interval] in
            let directory = Self.directory(of: path)
            func named(by content: Data?) -> [String]? { Self.named(by: content, directory: directory) }
            var seen = baseline.seen
            var namedFiles = baseline.namedFiles
            for file in files() where seen[file] == nil { seen[file] = Self.look(at: file) }
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
