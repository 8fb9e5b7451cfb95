#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// The structured event log: one JSON object per line, written by its own thread.
///
/// `write(_:)` only appends to a bounded in-memory queue and signals the writer
/// thread, so callers on an event loop never wait on file I/O. When the queue holds
/// `capacity` lines, new lines are dropped and counted; the count is written as a
/// `log_lines_dropped` event once there is room again.
public final class EventLog: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [String] = []
    private var writing = false
    private var dropped = 0
    private var closed = false
    private let capacity: Int
    private let descriptor: Int32
    private let ownsDescriptor: Bool
    private var thread: Thread?

    /// Opens the destination (a file is created if needed and appended to).
    /// - Throws: ``EventLogError`` when the file cannot be opened.
    public init(destination: LogConfig.Destination, capacity: Int = 10_000) throws {
        self.capacity = capacity
        switch destination {
        case .standardError:
            descriptor = STDERR_FILENO
            ownsDescriptor = false
        case .file(let path):
            let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
            guard fd >= 0 else { throw EventLogError(path: path, errno: errno) }
            descriptor = fd
            ownsDescriptor = true
        }
        let thread = Thread { [unowned self] in self.run() }
        thread.name = "scopegate-log"
        self.thread = thread
        thread.start()
    }

    /// Queues one line (it must end with `\n`). Never blocks on I/O.
    public func write(_ line: String) {
        condition.lock()
        defer { condition.unlock() }
        guard !closed else { return }
        if queue.count >= capacity {
            dropped += 1
            return
        }
        queue.append(line)
        condition.signal()
    }

    /// Blocks until every line queued before the call is written. For tests and shutdown,
    /// never for an event loop.
    public func flush() {
        condition.lock()
        while !queue.isEmpty || writing { condition.wait() }
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
        while true {
            condition.lock()
            while queue.isEmpty && !closed && dropped == 0 { condition.wait() }
            if queue.isEmpty && closed {
                condition.unlock()
                if ownsDescriptor { _ = Glibc.close(descriptor) }
                return
            }
            var batch = queue
            queue.removeAll(keepingCapacity: true)
            if dropped > 0 {
                var line = JSONLine.event("log_lines_dropped", at: Date())
                line.add("count", dropped)
                batch.append(line.finish())
                dropped = 0
            }
            writing = true
            condition.unlock()

            var bytes = Array(batch.joined().utf8)
            writeAll(&bytes)

            condition.lock()
            writing = false
            condition.broadcast()
            condition.unlock()
        }
    }

    private func writeAll(_ bytes: inout [UInt8]) {
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

/// The event log file could not be opened.
public struct EventLogError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var errno: Int32
    public var description: String { "log.denials: cannot open \(path): \(String(cString: strerror(errno)))" }
}
