import ScopeGateCore
/// Assembles the final response head from the lines libcurl passes to `CURLOPT_HEADERFUNCTION`.
///
/// libcurl hands over one whole line per call, CRLF included: the status line, each field
/// line and the blank line ending each block; interim 1xx blocks (RFC 9110 §15.2) and, for
/// chunked bodies, trailer lines arrive the same way. Lines are parsed as bytes, because
/// `"\r\n"` is a single `Character` in Swift. Interim blocks are dropped; the head is produced
/// at the blank line of the first final (>= 200) block; anything after it (trailers) is ignored.
///
/// A block that cannot start the response to a request the gateway sent ends the parse with
/// a ``Violation``: the transfer must then stop at once, since libcurl would read on forever
/// (see ``Violation/unsolicitedSwitchingProtocols``).
///
/// (`@_spi(Fuzzing)`: the `Fuzz/` package's response-head target feeds it directly.)
@_spi(Fuzzing) public struct ResponseHeadParser {
    private var status: Int?
    private var fields: [(name: String, value: String)] = []
    /// The previous field line was malformed and dropped: an obs-fold line after it is
    /// dropped too, instead of joining the field before it.
    private var droppedLastField = false
    /// True once the final head was returned.
    @_spi(Fuzzing) public private(set) var isComplete = false
    /// Why the backend's bytes cannot be the response to the request, once known; no line is
    /// taken after it.
    @_spi(Fuzzing) public private(set) var violation: Violation?

    @_spi(Fuzzing) public init() {}

    /// A block that cannot start the response to a request the gateway sent.
    @_spi(Fuzzing) public enum Violation: Equatable, CustomStringConvertible {
        /// `101 Switching Protocols`, though the request asked for no upgrade: the gateway
        /// never forwards `Upgrade`, and a server switches only to a protocol the client
        /// listed there (RFC 9110 §15.2.2, §7.8). libcurl takes every later byte for the body
        /// of the 101 and never reads a final head, so the exchange would wait for the
        /// response-head timeout.
        case unsolicitedSwitchingProtocols
        /// A line where a status line must be that is not one (libcurl refuses most of these itself).
        case invalidStatusLine

        public var description: String {
            switch self {
            case .unsolicitedSwitchingProtocols: return "backend answered 101 Switching Protocols to a request that asked for no upgrade"
            case .invalidStatusLine: return "backend sent an invalid status line"
            }
        }
    }

    /// Feeds one header line; returns the head when `line` completes the final response's
    /// head. Sets ``violation`` (and returns `nil`) when the line shows the bytes are not a
    /// response to this request.
    @_spi(Fuzzing) public mutating func feed(_ line: UnsafeRawBufferPointer) -> UpstreamResponseHead? {
        if isComplete || violation != nil { return nil }
        var end = line.count
        while end > 0, line[end - 1] == UInt8(ascii: "\n") || line[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        let bytes = UnsafeRawBufferPointer(rebasing: line[0..<end])

        guard let status else {
            // Expecting a status line: HTTP-version SP 3DIGIT [SP reason] (RFC 9112 §4).
            guard let code = Self.parseStatusLine(bytes) else {
                violation = .invalidStatusLine
                return nil
            }
            if code == 101 {
                violation = .unsolicitedSwitchingProtocols
                return nil
            }
            self.status = code
            fields.reserveCapacity(16)   // one allocation for a typical head, not one per doubling
            return nil
        }
        if bytes.isEmpty {
            defer { self.status = nil; fields = []; droppedLastField = false }
            if status >= 200 {
                isComplete = true
                return Self.finalHead(status: status, fields: fields)
            }
            return nil  // end of an interim 1xx block: the real status line follows
        }
        if bytes[0] == UInt8(ascii: " ") || bytes[0] == UInt8(ascii: "\t") {
            // obs-fold: a proxy replaces it with SP (RFC 9112 §5.2).
            if !droppedLastField, !fields.isEmpty, let more = Self.fieldValue(bytes) {
                let last = fields.count - 1
                fields[last].value = fields[last].value.isEmpty ? more : fields[last].value + " " + more
            }
            return nil
        }
        if let field = Self.parseField(bytes) {
            fields.append(field)
            droppedLastField = false
        } else {
            droppedLastField = true
        }
        return nil
    }

    /// The head to forward, with the body's framing made unambiguous (RFC 9112 §6.3): with
    /// `Transfer-Encoding` (which libcurl decodes, and which wins) every `Content-Length` is
    /// removed; without it, `Content-Length` must be one decimal number (repeated identical
    /// values are folded into one), else ``UpstreamResponseHead/framingError`` says why.
    /// Forwarding a length libcurl did not frame the body by would let a backend append a
    /// second response to the client's connection (response splitting).
    static func finalHead(status: Int, fields: [(name: String, value: String)]) -> UpstreamResponseHead {
        let chunked = fields.contains { ASCII.equalsIgnoringCase($0.name, "transfer-encoding") }
        var kept = HopByHopHeaders.removing(from: fields)
        // Every comma-separated element of every Content-Length, compared with the first
        // (identical repeats fold into one); read in place, without collecting them.
        var length: Substring?
        var lengthsAgree = true
        for field in kept {
            guard ASCII.equalsIgnoringCase(field.name, "content-length") else { continue }
            for element in field.value.split(separator: ",", omittingEmptySubsequences: false) {
                let trimmed = Substring(ASCII.trimmingOWS(element.utf8))
                if let first = length {
                    if first != trimmed { lengthsAgree = false }
                } else {
                    length = trimmed
                }
            }
        }
        guard let length else { return UpstreamResponseHead(status: status, headers: kept) }
        kept.removeAll { ASCII.equalsIgnoringCase($0.name, "content-length") }
        if chunked { return UpstreamResponseHead(status: status, headers: kept) }
        guard lengthsAgree, !length.isEmpty, length.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), Int(length) != nil else {
            return UpstreamResponseHead(status: status, headers: kept,
                                        framingError: "backend sent an invalid or contradictory Content-Length")
        }
        kept.append(("Content-Length", String(length)))
        return UpstreamResponseHead(status: status, headers: kept)
    }

    /// The status code of `HTTP/x.y NNN ...` (or libcurl's `HTTP/2 NNN` for an HTTP/2
    /// response, which has no minor version and no reason phrase), or `nil` when the line is
    /// not a status line.
    static func parseStatusLine(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard bytes.count >= 10, bytes.starts(with: "HTTP/".utf8), let space = bytes.firstIndex(of: UInt8(ascii: " ")),
              space + 3 < bytes.count
        else { return nil }
        var code = 0
        for i in (space + 1)...(space + 3) {
            let digit = bytes[i]
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return nil }
            code = code * 10 + Int(digit - UInt8(ascii: "0"))
        }
        if space + 4 < bytes.count, bytes[space + 4] != UInt8(ascii: " ") { return nil }
        return code >= 100 ? code : nil
    }

    /// `name: value` with a token name (RFC 9110 §5.1) and a value without control bytes;
    /// `nil` for anything else, so a malformed field never reaches the client's response head.
    static func parseField(_ bytes: UnsafeRawBufferPointer) -> (name: String, value: String)? {
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")), colon > 0 else { return nil }
        let name = UnsafeRawBufferPointer(rebasing: bytes[0..<colon])
        guard name.allSatisfy(ASCII.isTokenByte) else { return nil }
        guard let value = fieldValue(UnsafeRawBufferPointer(rebasing: bytes[(colon + 1)...])) else { return nil }
        return (String(decoding: name, as: UTF8.self), value)
    }

    /// The value trimmed of SP/HTAB, or `nil` when it holds a control byte other than HTAB.
    static func fieldValue(_ bytes: UnsafeRawBufferPointer) -> String? {
        var start = 0
        var end = bytes.count
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        let value = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
        guard !value.contains(where: { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }) else { return nil }
        return String(decoding: value, as: UTF8.self)
    }
}
