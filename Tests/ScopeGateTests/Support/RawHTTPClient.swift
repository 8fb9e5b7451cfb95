#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A parsed HTTP/1.1 response, as bytes arrived on the wire.
struct RawHTTPResponse {
    var status: Int
    var headers: [(name: String, value: String)]
    var body: [UInt8]
    /// The status line's version, e.g. `HTTP/1.1`.
    var version = ""

    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    func headers(_ name: String) -> [String] {
        headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
    }

    var bodyText: String { String(decoding: body, as: UTF8.self) }

    func json() throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] ?? [:]
    }
}

/// A blocking HTTP/1.1 client over one TCP connection to 127.0.0.1, for tests where the
/// exact bytes matter (pipelining, malformed targets, duplicate headers). Reads time out
/// after `timeout` seconds so a broken server fails the test instead of hanging it.
final class RawHTTPClient {
    private let fd: Int32
    private var buffer: [UInt8] = []

    /// `receiveBuffer`: SO_RCVBUF in bytes (set before connecting), to make a slow reader's
    /// kernel buffer small; `nil` keeps the system's.
    init(port: Int, timeout: Int = 10, receiveBuffer: Int32? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ClientError("socket failed") }
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var tv = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else { close(fd); throw ClientError("connect to \(port) failed") }
    }

    deinit { close(fd) }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            guard n > 0 else { throw ClientError("write failed") }
            offset += n
        }
    }

    /// Closes the sending side (a half-close, as `nc -N` does).
    func shutdownWrite() {
        shutdown(fd, Int32(SHUT_WR))
    }

    /// Reads a response head only; its body is left to ``readBody(upTo:_:)``.
    func readHead() throws -> RawHTTPResponse {
        let headEnd = try readUntil([13, 10, 13, 10])
        let headText = String(decoding: buffer[..<headEnd], as: UTF8.self)
        buffer.removeFirst(headEnd + 4)
        var lines = headText.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { throw ClientError("bad status line") }
        let headers = lines.compactMap { line -> (name: String, value: String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        var response = RawHTTPResponse(status: status, headers: headers, body: [])
        response.version = String(statusLine[0])
        return response
    }

    /// Reads up to `count` raw body bytes, handing each piece to `sink` without keeping it.
    /// Returns the bytes read: fewer than `count` when the server closed the connection.
    @discardableResult
    func readBody(upTo count: Int, _ sink: (UnsafeRawBufferPointer) -> Void) throws -> Int {
        var done = 0
        if !buffer.isEmpty {
            let take = min(count, buffer.count)
            buffer.withUnsafeBytes { sink(UnsafeRawBufferPointer(rebasing: $0[0..<take])) }
            buffer.removeFirst(take)
            done = take
        }
        var chunk = [UInt8](repeating: 0, count: 65536)
        while done < count {
            let wanted = min(65536, count - done)
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, wanted) }
            if n < 0 { throw ClientError("read failed or timed out (errno \(errno))") }
            if n == 0 { break }
            chunk.withUnsafeBytes { sink(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            done += n
        }
        return done
    }

    /// Reads one response. `head` skips the body (a response to HEAD has none).
    func readResponse(head: Bool = false) throws -> RawHTTPResponse {
        var response = try readHead()
        let status = response.status
        if head || status == 204 || status == 304 || (100..<200).contains(status) { return response }
        if let length = response.header("Content-Length").flatMap({ Int($0) }) {
            try fill(length)
            response.body = Array(buffer[..<length])
            buffer.removeFirst(length)
        } else if response.header("Transfer-Encoding")?.lowercased() == "chunked" {
            while true {
                let lineEnd = try readUntil([13, 10])
                let size = Int(String(decoding: buffer[..<lineEnd], as: UTF8.self).split(separator: ";")[0], radix: 16) ?? 0
                buffer.removeFirst(lineEnd + 2)
                try fill(size + 2)
                response.body += buffer[..<size]
                buffer.removeFirst(size + 2)
                if size == 0 { break }
            }
        } else {
            while try readMore() {}
            response.body = buffer
            buffer.removeAll()
        }
        return response
    }

    /// Waits up to `milliseconds` for the server to send something (or close); true when it did.
    /// A trickling client's pace: it sends its next byte when this returns false, and stops
    /// when the gateway answers, so the wait ends on the event rather than after a fixed sleep.
    func waitForInput(milliseconds: Int32) -> Bool {
        guard buffer.isEmpty else { return true }
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, milliseconds) > 0
    }

    /// True when the server has closed the connection (reads return end of file).
    func isClosedByServer() -> Bool {
        guard buffer.isEmpty else { return false }
        return (try? readMore()) == false
    }

    private func readUntil(_ marker: [UInt8]) throws -> Int {
        while true {
            if let index = find(marker) { return index }
            guard try readMore() else { throw ClientError("connection closed before \(marker)") }
        }
    }

    private func find(_ marker: [UInt8]) -> Int? {
        guard buffer.count >= marker.count else { return nil }
        for i in 0...(buffer.count - marker.count) where Array(buffer[i..<(i + marker.count)]) == marker { return i }
        return nil
    }

    private func fill(_ count: Int) throws {
        while buffer.count < count {
            guard try readMore() else { throw ClientError("connection closed mid-body") }
        }
    }

    private func readMore() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, 65536) }
        if n < 0 { throw ClientError("read failed or timed out (errno \(errno))") }
        if n == 0 { return false }
        buffer += chunk[..<n]
        return true
    }

    struct ClientError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}
