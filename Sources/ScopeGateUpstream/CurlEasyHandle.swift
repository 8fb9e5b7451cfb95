import CCurl
import NIOCore
import ScopeGateCore

/// A pooled libcurl easy handle and the per-transfer state its callbacks fill in.
///
/// Thread-confined to one curl thread. The callbacks find this object through their
/// `userdata` pointer, passed *unretained*: the owning ``CurlMultiDriver`` keeps every handle
/// alive (in its pool or its active set) for as long as libcurl may call back, so there is no
/// retain to balance. `curl_easy_reset` between transfers keeps the handle and its caches;
/// connections live in the multi handle's cache and are reused across handles.
final class CurlEasyHandle {
    let raw: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>
    /// The request's header lines, rebuilt in place for each transfer (``CurlHeaderList``).
    private var headerLines = CurlHeaderList()
    /// `CURLOPT_CONNECT_TO`'s one entry (not copied by libcurl: kept until recycled).
    private var connectToList: UnsafeMutablePointer<curl_slist>?
    private let allocator = ByteBufferAllocator()

    private(set) var transfer: UpstreamTransfer?
    private var parser = ResponseHeadParser()
    /// A `.bytes` body, kept whole so curl can rewind it onto a fresh connection.
    private var rewindableBody: ByteBuffer?
    /// Request-body bytes curl has read so far.
    private var uploadedBytes = 0
    /// Whether this transfer's options make curl send a request body (`CURLOPT_UPLOAD`; not
    /// for HEAD). Fixed for the transfer; the transfer's state machine says how far it got.
    private var sendsBody = false
    /// Monotonic instants (ns): when the response-head clock started, and the last byte moved.
    private var headClockStart: UInt64 = 0
    private var lastProgress: UInt64 = 0
    /// The whole-exchange clock (`timeout_ms`): when the transfer was handed over, the time the
    /// gateway held it paused for the client since (ns), and since when it is held now.
    private var exchangeStart: UInt64 = 0
    private var heldNanoseconds: UInt64 = 0
    private var heldSince: UInt64?
    var statistics: UpstreamStatisticsBox?
    /// This curl thread's record of kept-alive connections (set by the driver).
    var reuseGuard: ConnectionReuseGuard?
    /// Response body bytes still due under the final head's `Content-Length`: `0` once the
    /// response is whole (at once for HEAD, 204 and 304); `nil` while unknown (no head yet,
    /// chunked, or delimited by the close).
    private var responseBytesDue: Int?
    /// The response was whole while the request body was still being sent: the transfer ends
    /// there (see ``onAnsweredEarly``).
    private(set) var answeredEarly = false
    /// Called (once) when the response is whole before the request body was all sent.
    var onAnsweredEarly: ((CurlEasyHandle) -> Void)?
    /// The prerequisite callback refused a kept-alive connection with bytes waiting on it:
    /// the transfer is to start again, on another connection.
    var refusedDirtyConnection = false
    /// Times this transfer started again after refusing a kept-alive connection.
    private var restarts = 0
    /// The most restarts one transfer may take: each one closes a kept-alive connection on
    /// which the backend sent bytes after a response.
    static let maxRestarts = 16
    /// Events not yet handed to the event loop; flushed once per loop iteration.
    private var pending: [UpstreamEvent] = []
    /// Set when `pending` went from empty to non-empty, so the driver flushes this handle.
    var onFirstPendingEvent: ((CurlEasyHandle) -> Void)?

    init() throws {
        guard let raw = curl_easy_init() else { throw UpstreamError.failed("curl_easy_init failed") }
        self.raw = raw
        self.errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        self.errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
    }

    deinit {
        curl_easy_cleanup(raw)
        curl_slist_free_all(connectToList)
        errorBuffer.deallocate()
    }

    /// Whether the final response head was parsed (and queued for delivery).
    var headDelivered: Bool { parser.isComplete }

    /// Whether the handle holds the options every transfer shares (callbacks, protocols, no
    /// redirects, no decoding) and nothing a previous transfer left behind: a plain request
    /// (no body, not HEAD, no custom method, no TLS options) recycles the handle without
    /// `curl_easy_reset`, so the next one sets only its own URL, timeouts and headers.
    private var holdsSharedOptionsOnly = false
    /// Whether the next recycle must `curl_easy_reset`: set from the start of ``prepare(for:)``
    /// until it set a plain request's options completely.
    private var needsReset = false

    /// Configures the handle for `transfer`. Throws ``UpstreamError/failed(_:)`` naming the option libcurl refused.
    func prepare(for transfer: UpstreamTransfer) throws {
        self.transfer = transfer
        let request = transfer.request
        errorBuffer[0] = 0
        // Until this transfer's options are all set, a failure must leave the handle for a reset.
        needsReset = true
        if !holdsSharedOptionsOnly {
            let me = Unmanaged.passUnretained(self).toOpaque()
            try set(CURLOPT_PRIVATE, pointer: me)
            try set(CURLOPT_ERRORBUFFER, pointer: UnsafeMutableRawPointer(errorBuffer))
            try set(CURLOPT_NOSIGNAL, 1)
            try set(CURLOPT_PROTOCOLS_STR, string: "http,https")
            try set(CURLOPT_FOLLOWLOCATION, 0)
            // The gateway normalised the path already; send it byte for byte.
            try set(CURLOPT_PATH_AS_IS, 1)
            // Pass the body through unchanged: no Accept-Encoding, no decoding.
            try set(CURLOPT_HTTP_CONTENT_DECODING, 0)
            try set(CURLOPT_HEADERFUNCTION, callback: curlHeaderCallback)
            try set(CURLOPT_HEADERDATA, pointer: me)
            try set(CURLOPT_WRITEFUNCTION, callback: curlWriteCallback)
            try set(CURLOPT_WRITEDATA, pointer: me)
            try setReuseCallbacks()
            holdsSharedOptionsOnly = true
        }
        let special = request.method != "GET" || request.body != nil || request.tls != nil
        try set(CURLOPT_URL, string: request.url)
        if request.http2 {
            let tls = ASCII.equalsIgnoringCase(String(request.url.prefix(6)), "https:")
            try set(CURLOPT_HTTP_VERSION, tls ? CURL_HTTP_VERSION_2TLS : CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE)
        } else {
            try set(CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1)
        }
        try set(CURLOPT_CONNECTTIMEOUT_MS, max(0, request.connectTimeoutMilliseconds))
        // No CURLOPT_TIMEOUT_MS: libcurl's whole-transfer clock would also count the time the
        // gateway holds the transfer for a slow client, and blame the backend for it
        // (``expiredDeadline(now:)`` keeps `timeout_ms` without that time).
        if let tls = request.tls { try applyTLS(tls) }

        let now = Self.now()
        headClockStart = now
        lastProgress = now
        exchangeStart = now
        heldNanoseconds = 0
        heldSince = nil
        if request.method == "HEAD" {
            try set(CURLOPT_NOBODY, 1)
        } else if let body = request.body {
            // UPLOAD with a known size sends exactly `Content-Length: n` and no Content-Type;
            // without INFILESIZE, curl frames the body with chunked transfer coding.
            // CUSTOMREQUEST replaces UPLOAD's PUT with the real method.
            sendsBody = true
            try set(CURLOPT_UPLOAD, 1)
            switch body {
            case .bytes(let bytes):
                rewindableBody = bytes
                try setOffset(CURLOPT_INFILESIZE_LARGE, curl_off_t(bytes.readableBytes))
            case .stream(let length?):
                try setOffset(CURLOPT_INFILESIZE_LARGE, curl_off_t(length))
            case .stream(nil):
                break
            }
            let me = Unmanaged.passUnretained(self).toOpaque()
            try set(CURLOPT_READFUNCTION, callback: curlReadCallback)
            try set(CURLOPT_READDATA, pointer: me)
            // A reused connection may turn out dead after sending started; curl then rewinds.
            try check(scopegate_easy_setopt_seek_callback(raw, CURLOPT_SEEKFUNCTION, curlSeekCallback), "CURLOPT_SEEKFUNCTION")
            try set(CURLOPT_SEEKDATA, pointer: me)
            try set(CURLOPT_CUSTOMREQUEST, string: request.method)
        } else if request.method != "GET" {
            try set(CURLOPT_CUSTOMREQUEST, string: request.method)
        }

        headerLines.removeAll()
        var sawAccept = false
        for header in request.headers {
            let name = header.name
            if UpstreamRequest.isFramingHeader(name) { continue }
            if ASCII.equalsIgnoringCase(name, "accept") { sawAccept = true }
            headerLines.append(name: name, value: header.value)
        }
        if let host = request.hostHeader, !host.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
            // Replaces the one curl derives from the URL; an empty value removes it (`Host:`).
            if host.isEmpty { headerLines.append(line: "Host:") } else { headerLines.append(name: "Host", value: host) }
        }
        if request.body != nil { headerLines.append(line: "Expect:") }  // no 100-continue round trip (curl adds it only to uploads)
        if !sawAccept { headerLines.append(line: "Accept:") }  // no default `Accept: */*`
        try set(CURLOPT_HTTPHEADER, list: headerLines.link())
        needsReset = special
    }

    /// TLS options of an `https` request. Peer and host verification stay at libcurl's
    /// defaults (on); only the trust anchors, the client identity and the address change.
    private func applyTLS(_ tls: UpstreamTLS) throws {
        if let caFile = tls.caFile { try set(CURLOPT_CAINFO, string: caFile) }
        if let certificate = tls.clientCertificate { try set(CURLOPT_SSLCERT, string: certificate) }
        if let key = tls.clientKey { try set(CURLOPT_SSLKEY, string: key) }
        if let connectTo = tls.connectTo {
            connectToList = try append("::\(connectTo)", to: nil)
            try set(CURLOPT_CONNECT_TO, list: connectToList)
        }
    }

    /// Returns the handle to its pristine state for the pool. The caller removed it from the multi handle.
    func recycle() {
        if let transfer {
            let (paused, response, request) = transfer.state.withLockedValue {
                ($0.flow.curlPaused, $0.peakResponseBytes, $0.peakRequestBytes)
            }
            notePause(from: paused, to: [])  // the handle leaves the multi handle: nothing stays held
            statistics?.update {
                $0.peakBufferedResponseBytes = max($0.peakBufferedResponseBytes, response)
                $0.peakBufferedRequestBytes = max($0.peakBufferedRequestBytes, request)
            }
        }
        if needsReset {
            curl_easy_reset(raw)
            holdsSharedOptionsOnly = false
            curl_slist_free_all(connectToList)
            connectToList = nil
        }
        needsReset = false
        transfer = nil
        parser = ResponseHeadParser()
        responseBytesDue = nil
        answeredEarly = false
        refusedDirtyConnection = false
        restarts = 0
        rewindableBody = nil
        uploadedBytes = 0
        sendsBody = false
        pending.removeAll(keepingCapacity: true)
    }

    // MARK: Flow control and deadlines (curl thread)

    /// Applies the pause the transfer's state machine wants (called after a
    /// ``CurlMultiLoop/kick(_:)``): the only `curl_easy_pause` call, which may run callbacks
    /// (libcurl delivers held data from inside it). Returns the error to end the transfer with
    /// when the machine failed on an impossible event.
    func synchronizePause() -> UpstreamError? {
        guard let transfer else { return nil }
        // The pause change is noted before the call: the callbacks it runs note their own.
        switch flowEvent(of: transfer, { $0.flow.synchronize() }) {
        case .none, .kick:
            return nil
        case .setCurlPause(let mask):
            var bits: Int32 = 0
            if mask.contains(.receive) { bits |= Int32(CURLPAUSE_RECV) }
            if mask.contains(.send) { bits |= Int32(CURLPAUSE_SEND) }
            _ = curl_easy_pause(raw, bits)
            return nil
        case .fail(let message):
            return .failed("upstream transfer state: \(message)")
        }
    }

    /// The gateway's own deadline that has passed at `now`, if any: the exchange took more
    /// than `timeout_ms` of the backend's time (time the gateway held the transfer paused for
    /// the client, reading slowly or sending its body slowly, not counted), the response head
    /// is late (counted from the end of the request body), or no byte moved for the idle
    /// timeout while the backend was the one expected to move it.
    func expiredDeadline(now: UInt64) -> UpstreamError? {
        guard let request = transfer?.request else { return nil }
        let whole = request.timeoutMilliseconds
        if whole > 0 {
            let held = heldNanoseconds &+ (heldSince.map { now &- $0 } ?? 0)
            let backendTime = now &- exchangeStart
            if backendTime > held, backendTime - held > UInt64(whole) * 1_000_000 {
                return .timeout("the exchange took more than \(whole) ms, not counting the time the client kept it waiting")
            }
        }
        let (uploading, paused) = transfer?.state.withLockedValue { ($0.flow.isSendingBody, $0.flow.curlPaused) } ?? (false, [])
        if parser.isComplete || (sendsBody && uploading) {
            let idle = request.idleTimeoutMilliseconds
            let heldByGateway = paused.contains(parser.isComplete ? .receive : .send)
            guard idle > 0, !heldByGateway, now &- lastProgress > UInt64(idle) * 1_000_000 else { return nil }
            return .timeout("no bytes moved between the gateway and the backend for \(idle) ms")
        }
        let limit = request.responseHeaderTimeoutMilliseconds
        guard limit > 0, now &- headClockStart > UInt64(limit) * 1_000_000 else { return nil }
        return .timeout("no response head within \(limit) ms of sending the request")
    }

    /// Monotonic nanoseconds.
    static func now() -> UInt64 { NIODeadline.now().uptimeNanoseconds }

    /// Runs a curl-side event of `transfer`'s state machine under its lock, then follows the
    /// change of libcurl's pause it recorded (``notePause(from:to:)``).
    private func flowEvent<Outcome>(of transfer: UpstreamTransfer, _ event: (inout UpstreamTransfer.State) -> Outcome) -> Outcome {
        let (outcome, before, after) = transfer.state.withLockedValue { state in
            let before = state.flow.curlPaused
            let outcome = event(&state)
            return (outcome, before, state.flow.curlPaused)
        }
        notePause(from: before, to: after)
        return outcome
    }

    /// Follows a change of libcurl's pause (as the transfer's state machine recorded it): the
    /// held-time clock runs while either side is paused, a resumed side restarts the idle clock
    /// (time the gateway held the transfer is not backend idleness), and the statistics count it.
    private func notePause(from before: TransferStateMachine.CurlPause, to after: TransferStateMachine.CurlPause) {
        guard before != after else { return }
        let now = Self.now()
        if before.isEmpty {
            heldSince = now
        } else if after.isEmpty, let since = heldSince {
            heldNanoseconds &+= now &- since
            heldSince = nil
        }
        if !before.subtracting(after).isEmpty { lastProgress = now }
        let receiveChange = Self.change(of: .receive, from: before, to: after)
        let sendChange = Self.change(of: .send, from: before, to: after)
        statistics?.update {
            $0.receivePausedTransfers += receiveChange
            $0.sendPausedTransfers += sendChange
            if receiveChange > 0 { $0.receivePauses += 1 }
            if sendChange > 0 { $0.sendPauses += 1 }
        }
    }

    private static func change(of side: TransferStateMachine.CurlPause, from before: TransferStateMachine.CurlPause,
                               to after: TransferStateMachine.CurlPause) -> Int {
        before.contains(side) == after.contains(side) ? 0 : (after.contains(side) ? 1 : -1)
    }

    /// What the driver does with a handle whose transfer libcurl reported done.
    enum Completion {
        /// The terminal event is queued: remove the handle.
        case ended
        /// The transfer refused a kept-alive connection before sending anything: remove the
        /// handle and add it again (``prepareRestart()``), which takes another connection.
        case restart
    }

    /// Queues the terminal event for `result` (a `CURLMSG_DONE` result), or asks for a restart.
    func complete(with result: CURLcode) -> Completion {
        if refusedDirtyConnection {
            refusedDirtyConnection = false
            if restarts < Self.maxRestarts && uploadedBytes == 0 && !parser.isComplete { return .restart }
            enqueue(.failed(.reset("backend connections kept holding bytes sent after their responses"), afterHead: false))
            return .ended
        }
        if let violation = parser.violation {
            enqueue(.failed(.reset(violation.description), afterHead: false))
        } else if answeredEarly {
            // Whole before the request body was sent; libcurl may have failed sending the rest.
            enqueue(.finished)
        } else if result == CURLE_OK {
            if parser.isComplete {
                enqueue(.finished)
            } else {
                enqueue(.failed(.reset("the backend sent no complete response head"), afterHead: false))
            }
        } else if result == CURLE_UNSUPPORTED_PROTOCOL && reachedPeer {
            // A reply that is not HTTP/1.x (curl calls it HTTP/0.9), not a disallowed URL scheme.
            enqueue(.failed(.reset(errorText(for: result)), afterHead: parser.isComplete))
        } else {
            enqueue(.failed(UpstreamError(curlCode: result, detail: errorText(for: result)), afterHead: parser.isComplete))
        }
        if result == CURLE_OK { recordKeptConnection() }
        return .ended
    }

    /// Readies the handle to be added again after ``Completion/restart``: nothing was sent
    /// or received, so only the clocks start over.
    func prepareRestart() {
        restarts += 1
        statistics?.update { $0.refusedConnections += 1 }
        let now = Self.now()
        headClockStart = now
        lastProgress = now
    }

    /// The whole response arrived before the request body was all sent: the transfer ends as
    /// finished. The caller removes the handle, which makes libcurl close the connection
    /// (a premature removal): it is left in the middle of a request body.
    func endAnsweredEarly() {
        enqueue(.finished)
    }

    /// Whether the transfer got as far as a connection to the backend (CURLINFO_PRIMARY_IP is set).
    private var reachedPeer: Bool {
        var ip: UnsafeMutableRawPointer? = nil
        guard scopegate_easy_getinfo_pointer(raw, CURLINFO_PRIMARY_IP, &ip) == CURLE_OK, let ip else { return false }
        return ip.load(as: CChar.self) != 0
    }

    /// Queues a failure not reported by libcurl (cancellation by shutdown, a refused `add_handle`).
    func fail(_ error: UpstreamError) {
        enqueue(.failed(error, afterHead: parser.isComplete))
    }

    /// The queued events and their transfer, leaving the queue empty; `nil` when there are none.
    func takePending() -> (UpstreamTransfer, [UpstreamEvent])? {
        guard !pending.isEmpty, let transfer else { return nil }
        defer { pending.removeAll(keepingCapacity: true) }
        return (transfer, pending)
    }

    // MARK: Callbacks (on the curl thread, inside curl_multi_perform)

    /// One header line. Returns false to stop the transfer (a ``ResponseHeadParser/Violation``):
    /// libcurl then fails it with `CURLE_WRITE_ERROR` and closes the connection.
    fileprivate func receiveHeaderLine(_ line: UnsafeRawBufferPointer) -> Bool {
        lastProgress = Self.now()
        if let head = parser.feed(line) {
            if case .fail(let message) = transfer?.state.withLockedValue({ $0.flow.headReceived() }) {
                assertionFailure("upstream transfer state machine: \(message)")
                return false
            }
            enqueue(.head(head))
            responseBytesDue = Self.bodyLength(of: head, method: transfer?.request.method)
            checkAnsweredEarly()
        }
        return parser.violation == nil
    }

    /// The body length `head` frames (RFC 9112 §6.3): none for HEAD, 204 and 304, else its
    /// `Content-Length` (kept by the parser only when it frames the body); `nil` when unknown.
    static func bodyLength(of head: UpstreamResponseHead, method: String?) -> Int? {
        if method == "HEAD" || head.status == 204 || head.status == 304 { return 0 }
        guard head.framingError == nil,
              let length = head.headers.first(where: { ASCII.equalsIgnoringCase($0.name, "content-length") })?.value
        else { return nil }
        return Int(length)
    }

    /// Notes a whole response while the request body is still being sent (once).
    private func checkAnsweredEarly() {
        guard responseBytesDue == 0, sendsBody, !answeredEarly,
              transfer?.state.withLockedValue({ $0.flow.isSendingBody }) == true else { return }
        answeredEarly = true
        statistics?.update { $0.earlyAnswers += 1 }
        onAnsweredEarly?(self)
    }

    /// Body bytes, as the transfer's state machine decides: taken (returns their count) or
    /// refused with `CURL_WRITEFUNC_PAUSE`, which pauses receiving (libcurl keeps the refused
    /// bytes and offers them again on unpause); 0, which fails the transfer, once the machine failed.
    fileprivate func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Int {
        guard parser.isComplete, !bytes.isEmpty, let transfer else { return bytes.count }
        let count = bytes.count
        let outcome = flowEvent(of: transfer) { state in
            let outcome = state.flow.write(count)
            if outcome == .take { state.peakResponseBytes = max(state.peakResponseBytes, state.flow.bufferedResponseBytes) }
            return outcome
        }
        switch outcome {
        case .take:
            break
        case .pause:
            return Int(CURL_WRITEFUNC_PAUSE)
        case .abort:
            return 0
        case .fail(let message):
            assertionFailure("upstream transfer state machine: \(message)")
            return 0
        }
        lastProgress = Self.now()
        if let due = responseBytesDue {
            responseBytesDue = max(0, due - count)
            checkAnsweredEarly()
        }
        if case .body(var buffer)? = pending.last {
            pending[pending.count - 1] = .finished  // drop the reference so the append does not copy
            buffer.writeBytes(bytes)
            pending[pending.count - 1] = .body(buffer)
        } else {
            var buffer = allocator.buffer(capacity: bytes.count)
            buffer.writeBytes(bytes)
            enqueue(.body(buffer))
        }
        return count
    }

    /// Copies queued request-body bytes for curl (the queue is the transfer's state machine's).
    /// Returns 0 at the end of the body, `CURL_READFUNC_PAUSE` (pausing the upload) when the
    /// queue is empty but the client has not finished (the next
    /// ``UpstreamTransfer/sendBodyPart(_:)`` kicks the loop to resume), and
    /// `CURL_READFUNC_ABORT` once the transfer is cancelled or failed: a body cut short must
    /// never reach the backend as a complete one.
    func readBody(into destination: UnsafeMutableRawBufferPointer) -> Int {
        guard let transfer else { return 0 }
        switch flowEvent(of: transfer, { $0.flow.read(into: destination) }) {
        case .copied(let copied, let bodyDemand):
            lastProgress = Self.now()
            uploadedBytes += copied
            if bodyDemand { enqueue(.bodyDemand) }
            return copied
        case .end:
            let now = Self.now()
            lastProgress = now
            headClockStart = now
            return 0
        case .pause:
            return Int(CURL_READFUNC_PAUSE)
        case .abort:
            // Cancelled (e.g. the body went over limits.max_body_bytes): abort, never end the
            // body, or the backend would take the truncated part for a whole request.
            return Int(CURL_READFUNC_ABORT)
        case .fail(let message):
            assertionFailure("upstream transfer state machine: \(message)")
            return Int(CURL_READFUNC_ABORT)
        }
    }

    /// Rewinds the request body for a retry on a fresh connection: any offset of a `.bytes`
    /// body; a streamed body only where it already is (its sent bytes are gone).
    fileprivate func seekBody(to offset: Int) -> Bool {
        guard let transfer, offset >= 0 else { return false }
        if offset == uploadedBytes { return true }
        guard let body = rewindableBody, offset <= body.readableBytes,
              let remaining = body.getSlice(at: body.readerIndex + offset, length: body.readableBytes - offset)
        else { return false }
        switch flowEvent(of: transfer, { $0.flow.rewind(to: remaining) }) {
        case .rewound:
            uploadedBytes = offset
            return true
        case .refused:
            return false
        case .fail(let message):
            assertionFailure("upstream transfer state machine: \(message)")
            return false
        }
    }

    // MARK: Helpers

    private func enqueue(_ event: UpstreamEvent) {
        pending.append(event)
        if pending.count == 1 { onFirstPendingEvent?(self) }
    }

    private func errorText(for code: CURLcode) -> String {
        if errorBuffer[0] != 0 { return String(cString: errorBuffer) }
        return String(cString: curl_easy_strerror(code))
    }

    func check(_ code: CURLcode, _ option: String) throws {
        if code != CURLE_OK {
            throw UpstreamError.failed("curl refused \(option): \(String(cString: curl_easy_strerror(code)))")
        }
    }

    private func set(_ option: CURLoption, _ value: Int) throws {
        try check(scopegate_easy_setopt_long(raw, option, value), "option \(option.rawValue)")
    }

    private func setOffset(_ option: CURLoption, _ value: curl_off_t) throws {
        try check(scopegate_easy_setopt_off_t(raw, option, value), "option \(option.rawValue)")
    }

    private func set(_ option: CURLoption, string: String) throws {
        try check(string.withCString { scopegate_easy_setopt_string(raw, option, $0) }, "option \(option.rawValue)")
    }

    func set(_ option: CURLoption, pointer: UnsafeMutableRawPointer?) throws {
        try check(scopegate_easy_setopt_pointer(raw, option, pointer), "option \(option.rawValue)")
    }

    private func set(_ option: CURLoption, list: UnsafeMutablePointer<curl_slist>?) throws {
        try check(scopegate_easy_setopt_slist(raw, option, list), "option \(option.rawValue)")
    }

    private func set(_ option: CURLoption, callback: scopegate_curl_data_callback) throws {
        try check(scopegate_easy_setopt_data_callback(raw, option, callback), "option \(option.rawValue)")
    }

    private func append(_ line: String, to list: UnsafeMutablePointer<curl_slist>?) throws -> UnsafeMutablePointer<curl_slist>? {
        guard let appended = curl_slist_append(list, line) else {
            curl_slist_free_all(list)
            throw UpstreamError.failed("curl_slist_append failed")
        }
        return appended
    }
}

private func handle(_ userdata: UnsafeMutableRawPointer?) -> CurlEasyHandle {
    Unmanaged<CurlEasyHandle>.fromOpaque(userdata!).takeUnretainedValue()
}

private func curlHeaderCallback(_ buffer: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ userdata: UnsafeMutableRawPointer?) -> Int {
    handle(userdata).receiveHeaderLine(UnsafeRawBufferPointer(start: buffer, count: size * count)) ? size * count : 0
}

private func curlWriteCallback(_ buffer: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ userdata: UnsafeMutableRawPointer?) -> Int {
    handle(userdata).receiveBody(UnsafeRawBufferPointer(start: buffer, count: size * count))
}

private func curlReadCallback(_ buffer: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ userdata: UnsafeMutableRawPointer?) -> Int {
    handle(userdata).readBody(into: UnsafeMutableRawBufferPointer(start: buffer, count: size * count))
}

private func curlSeekCallback(_ userdata: UnsafeMutableRawPointer?, _ offset: curl_off_t, _ origin: Int32) -> Int32 {
    guard origin == SEEK_SET, handle(userdata).seekBody(to: Int(offset)) else { return CURL_SEEKFUNC_CANTSEEK }
    return CURL_SEEKFUNC_OK
}
