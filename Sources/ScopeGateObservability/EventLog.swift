#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import ScopeGateCore

/// The structured event log: one JSON object per line, written by its own thread.
///
/// Two streams share the thread and the queue: denials (and every other event) go to
/// `log.denials`; access lines go to `log.access` when it is on (the same descriptor when both
/// name the same destination).
///
/// `write(_:)` only appends to a bounded in-memory queue and signals the writer
/// thread, so callers on an event loop never wait on file I/O. When the queue holds
/// `capacity` lines, new lines are dropped and counted; the count is written as a
/// `log_lines_dropped` event once there is room again.
public final class EventLog: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [(stream: Stream, line: [UInt8])] = []
    private var writing = false
    private var dropped = 0
    private var closed = false
    /// Callers of ``flush()`` waiting: the writer writes at once.
    private var flushing = 0
    /// How long the writer gathers lines after the first of a batch, in seconds.
    static let gatherTime: TimeInterval = 0.02
    /// A batch this large is written without waiting for the rest of ``gatherTime``.
    static let batchLines = 256
    private let capacity: Int
    private let descriptor: Int32
    /// Where access lines go; `nil` when `log.access` is off (they are dropped unqueued).
    private let accessDescriptor: Int32?
    /// Descriptors this log opened and closes.
    private let ownedDescriptors: [Int32]
    /// The files behind ``ownedDescriptors``, in the same order, for ``reopen()``.
    private let ownedPaths: [String]
    /// ``reopen()`` was asked for: the writer reopens the files before its next write.
    private var reopenRequested = false

    private enum Stream { case events, access }

    /// Whether access lines are written (`log.access` is not `"off"`).
    public let writesAccess: Bool

    /// Opens the destinations (a file is created if needed and appended to).
    /// - Parameters:
    ///   - destination: `log.denials`.
    ///   - access: `log.access`, `nil` when off.
    /// - Throws: ``EventLogError`` when a file cannot be opened.
    public init(destination: LogConfig.Destination, access: LogConfig.Destination? = nil, capacity: Int = 10_000) throws {
        self.capacity = capacity
        var owned: [Int32] = []
        var paths: [String] = []
        func open(_ destination: LogConfig.Destination, key: String) throws -> Int32 {
            switch destination {
            case .standardError:
                return STDERR_FILENO
            case .file(let path):
                let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
                guard fd >= 0 else {
                    let error = EventLogError(key: key, path: path, errno: errno)
                    for fd in owned { _ = Glibc.close(fd) }
                    throw error
                }
                owned.append(fd)
                paths.append(path)
                return fd
            }
        }
        descriptor = try open(destination, key: "log.denials")
        if let access {
            accessDescriptor = access == destination ? descriptor : try open(access, key: "log.access")
        } else {
            accessDescriptor = nil
        }
        writesAccess = access != nil
        ownedDescriptors = owned
        ownedPaths = paths
        // The thread holds the log until its writer returns (after ``close()``): with an
        // unowned reference, a log released right after `close()` returned could still be read
        // by the writer's last steps and trap (seen once in the test suite).
        let thread = Thread { self.run() }
        thread.name = "scopegate-log"
        thread.start()
    }

    /// Queues one event line (it must end with `\n`) for `log.denials`. Never blocks on I/O.
    public func write(_ line: String) {
        enqueue(Array(line.utf8), on: .events)
    }

    /// Queues one access line (UTF-8, ending with `\n`) for `log.access`; dropped at once when
    /// access logging is off (callers check ``writesAccess`` first so as not to build it).
    public func writeAccess(_ line: [UInt8]) {
        guard writesAccess else { return }
        enqueue(line, on: .access)
    }

    /// ``writeAccess(_:)-([UInt8])`` for a line held as a `String`.
    public func writeAccess(_ line: String) {
        writeAccess(Array(line.utf8))
    }

    private func enqueue(_ line: [UInt8], on stream: Stream) {
        condition.lock()
        defer { condition.unlock() }
        guard !closed else { return }
        if queue.count >= capacity {
            dropped += 1
            return
        }
        queue.append((stream, line))
        // The writer sleeps until the first line of a batch, then gathers until `batchLines`.
        if queue.count == 1 || queue.count == Self.batchLines { condition.broadcast() }
    }

    /// Blocks until every line queued before the call is written. For tests and shutdown,
    /// never for an event loop.
    public func flush() {
        condition.lock()
        flushing += 1
        condition.broadcast()   // the writer stops gathering and writes now
        while !queue.isEmpty || writing { condition.wait() }
        flushing -= 1
        condition.unlock()
    }

    /// Reopens the log files by their paths before the next write (SIGHUP after logrotate moved
    /// them): lines go to the new file, none is lost. The descriptors keep their numbers
    /// (`dup2`), so the writer never races a reopen. A file that cannot be opened keeps the old one.
    public func reopen() {
        condition.lock()
        reopenRequested = true
        condition.broadcast()
        condition.unlock()
    }

    /// Writes what is queued, stops the writer thread and closes an owned file.
    public func close() {
        flush()
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    private func run() {
        var pending: [UInt8] = []
        var batch: [(stream: Stream, line: [UInt8])] = []
        while true {
            condition.lock()
            while queue.isEmpty && !closed && dropped == 0 && !reopenRequested { condition.wait() }
            if reopenRequested {
                reopenRequested = false
                for (fd, path) in zip(ownedDescriptors, ownedPaths) {
                    let fresh = Glibc.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
                    guard fresh >= 0 else { continue }
                    _ = dup2(fresh, fd)
                    _ = fcntl(fd, F_SETFD, FD_CLOEXEC)   // dup2 clears close-on-exec
                    _ = Glibc.close(fresh)
                }
                if queue.isEmpty && !closed && dropped == 0 {
                    condition.unlock()
                    continue
                }
            }
            // Gather: lines that arrive within `gatherTime` go out in the same write, so a busy
            // gateway costs one wake-up and one write per batch, not per line.
            let deadline = Date(timeIntervalSinceNow: Self.gatherTime)
            while !queue.isEmpty && queue.count < Self.batchLines && !closed && flushing == 0
                    && condition.wait(until: deadline) {}
            if queue.isEmpty && closed {
                condition.unlock()
                for fd in ownedDescriptors { _ = Glibc.close(fd) }
                return
            }
            // Double-buffered: the queue and the batch trade storage, so neither allocates
            // once both have grown to a batch's size.
            swap(&batch, &queue)
            if dropped > 0 {
                var line = JSONLine.event("log_lines_dropped", at: Date())
                line.add("count", dropped)
                batch.append((.events, line.finishBytes()))
                dropped = 0
            }
            writing = true
            condition.unlock()

            // Consecutive lines for one descriptor go out in one write, from one buffer the
            // writer keeps between batches.
            var pendingDescriptor = descriptor
            for (stream, line) in batch {
                let target = stream == .access ? (accessDescriptor ?? descriptor) : descriptor
                if target != pendingDescriptor, !pending.isEmpty {
                    writeAll(pending, to: pendingDescriptor)
                    pending.removeAll(keepingCapacity: true)
                }
                pendingDescriptor = target
                pending.append(contentsOf: line)
            }
            if !pending.isEmpty {
                writeAll(pending, to: pendingDescriptor)
                pending.removeAll(keepingCapacity: true)
            }
            batch.removeAll(keepingCapacity: true)
            if pending.capacity > 1 << 20 { pending = [] }   // a burst's buffer is not kept

            condition.lock()
            writing = false
            condition.broadcast()
            condition.unlock()
        }
    }

    private func writeAll(_ bytes: [UInt8], to descriptor: Int32) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                return   // nowhere to report a failing log; the gateway keeps serving
            }
            offset += written
        }
    }
}

/// An event log file could not be opened.
public struct EventLogError: Error, CustomStringConvertible, Sendable {
    /// The config member: `log.denials` or `log.access`.
    public var key: String = "log.denials"
    public var path: String
    public var errno: Int32
    public var description: String { "\(key): cannot open \(path): \(String(cString: strerror(errno)))" }
}
