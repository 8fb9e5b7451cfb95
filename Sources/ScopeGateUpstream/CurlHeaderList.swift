import CCurl

/// The request header lines of one easy handle, as the `curl_slist` that `CURLOPT_HTTPHEADER`
/// reads, built in storage the handle keeps from one transfer to the next.
///
/// `curl_slist_append` copies every line and allocates a node for it (two `malloc`s a line,
/// plus the Swift string and C string made for it: about 30 allocations a request). Here the
/// lines go, NUL-terminated, into one byte buffer and the nodes into one node buffer, both
/// reused, so a request that fits the capacity of an earlier one allocates nothing.
/// libcurl only reads the list (`CURLOPT_HTTPHEADER`: "the list must remain valid until the
/// transfer is done"), and `struct curl_slist` is public (`data`, `next`), so nodes need not
/// come from `curl_slist_append`; they must never reach `curl_slist_free_all`.
///
/// Not thread-safe: confined to the handle's curl loop. The list returned by ``link()`` stays
/// valid until the next ``removeAll()`` or `append`.
struct CurlHeaderList: ~Copyable {
    private var bytes: UnsafeMutableBufferPointer<UInt8>
    private var byteCount = 0
    /// Where each line starts in `bytes`.
    private var starts: [Int] = []
    private var nodes: UnsafeMutableBufferPointer<curl_slist>

    init() {
        bytes = .allocate(capacity: 512)
        nodes = .allocate(capacity: 16)
        starts.reserveCapacity(16)
    }

    deinit {
        bytes.deallocate()
        nodes.deallocate()
    }

    /// Lines appended since the last ``removeAll()``.
    var count: Int { starts.count }

    /// Forgets every line, keeping the storage.
    mutating func removeAll() {
        byteCount = 0
        starts.removeAll(keepingCapacity: true)
    }

    /// Appends `Name: value`, or `Name;` for an empty value (libcurl drops a `Name:` line:
    /// that syntax removes a header it would add; `Name;` sends the header with no value).
    mutating func append(name: String, value: String) {
        var name = name
        var value = value
        name.withUTF8 { name in
            value.withUTF8 { value in
                begin(capacity: name.count + 2 + value.count)
                write(name)
                if value.isEmpty {
                    write(UInt8(ascii: ";"))
                } else {
                    write(UInt8(ascii: ":"))
                    write(UInt8(ascii: " "))
                    write(value)
                }
                write(0)
            }
        }
    }

    /// Appends `line` as it is (for example `Expect:`, which removes a header libcurl would add).
    mutating func append(line: String) {
        var line = line
        line.withUTF8 { line in
            begin(capacity: line.count)
            write(line)
            write(0)
        }
    }

    /// Links the nodes over the lines and returns the head of the list (nil when empty).
    mutating func link() -> UnsafeMutablePointer<curl_slist>? {
        guard !starts.isEmpty else { return nil }
        if nodes.count < starts.count {
            nodes.deallocate()
            nodes = .allocate(capacity: max(starts.count, nodes.count * 2))
        }
        let base = UnsafeMutableRawPointer(bytes.baseAddress!).assumingMemoryBound(to: CChar.self)
        let first = nodes.baseAddress!
        for (index, start) in starts.enumerated() {
            let next = index + 1 < starts.count ? first + index + 1 : nil
            (first + index).initialize(to: curl_slist(data: base + start, next: next))
        }
        return first
    }

    /// Starts a line of `capacity` bytes plus its NUL, growing the byte buffer if needed.
    private mutating func begin(capacity: Int) {
        starts.append(byteCount)
        let needed = byteCount + capacity + 1
        guard needed > bytes.count else { return }
        let grown = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(needed, bytes.count * 2))
        _ = grown.initialize(from: bytes[0..<byteCount])
        bytes.deallocate()
        bytes = grown
    }

    private mutating func write(_ part: UnsafeBufferPointer<UInt8>) {
        guard !part.isEmpty else { return }
        UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(bytes)[byteCount...])
            .copyMemory(from: UnsafeRawBufferPointer(part))
        byteCount += part.count
    }

    private mutating func write(_ byte: UInt8) {
        bytes[byteCount] = byte
        byteCount += 1
    }
}
