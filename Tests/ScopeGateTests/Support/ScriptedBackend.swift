import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A backend on 127.0.0.1 (ephemeral port) that answers each request with exact bytes chosen
/// per connection and per request, and reports what it saw: for tests of backends whose bytes
/// do not form one well-framed final response (an unsolicited `101`, a body after a `HEAD`
/// response, bytes after a response, an answer before the request body, a close between
/// keep-alive requests).
///
/// A request is its head (up to `\r\n\r\n`), then as many body bytes as its `Content-Length`
/// says, read and dropped. The script runs when a head arrives (so it can answer before the
/// body), with the connection's number (1 for the first accepted) and the request's number on
/// that connection (1 for the first).
final class ScriptedBackend: @unchecked Sendable {
    enum Step: Sendable {
        /// Writes these bytes.
        case send(String)
        /// Writes these bytes when the test calls ``release()``, which waits until they are written.
        case hold(String)
        /// Closes the connection (FIN).
        case close
        /// Closes the connection with a TCP reset (`SO_LINGER` 0).
        case reset
        /// Reads nothing more from this connection until ``resumeReading()``: the rest of the
        /// request body stays unread (and the gateway's sending side fills up).
        case stopReading
    }

    /// What the backend saw so far.
    struct Observation: Sendable {
        /// Connections accepted.
        var connections = 0
        /// Each request's line, with the connection it came on.
        var requests: [(connection: Int, line: String)] = []
        /// Connections the gateway closed (end of stream or a reset seen while reading).
        var closedByGateway: Set<Int> = []
    }

    private struct Waiter {
        var id: Int
        var condition: @Sendable (Observation) -> Bool
        var continuation: CheckedContinuation<Bool, Never>
    }

    private struct State {
        var observation = Observation()
        var waiters: [Waiter] = []
        var held: [(ChannelHandlerContext, [UInt8])] = []
        var stopped: [ChannelHandlerContext] = []
        var nextWaiter = 0
    }

    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    private let state = NIOLockedValueBox(State())
    var port: Int { channel.localAddress?.port ?? 0 }

    /// What the backend saw so far.
    var observation: Observation { state.withLockedValue { $0.observation } }

    static func start(_ script: @escaping @Sendable (_ connection: Int, _ request: Int) -> [Step]) async throws -> ScriptedBackend {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let box = NIOLockedValueBox<ScriptedBackend?>(nil)
        let channel = try await ServerBootstrap(group: group)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard let backend = box.withLockedValue({ $0 }) else { return }
                    let number = backend.update { $0.connections += 1; return $0.connections }
                    try channel.pipeline.syncOperations.addHandler(Handler(backend: backend, connection: number, script: script))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let backend = ScriptedBackend(group: group, channel: channel)
        box.withLockedValue { $0 = backend }
        return backend
    }

    private init(group: MultiThreadedEventLoopGroup, channel: any Channel) {
        self.group = group
        self.channel = channel
    }

    /// Writes every held part given so far and returns once the gateway's kernel has them:
    /// written, and acknowledged by the peer's TCP (on loopback the segment may still wait in
    /// a softirq queue when `write` returns). The kernel signals no acknowledgement, so
    /// `TCP_INFO` is read every millisecond until nothing is unacknowledged (at most 5 s).
    func release() async throws {
        let held = state.withLockedValue { state in defer { state.held.removeAll() }; return state.held }
        for (context, bytes) in held {
            let handed = HeldWrite(context: context, bytes: bytes)
            try await context.eventLoop.flatSubmit {
                handed.context.writeAndFlush(NIOAny(handed.context.channel.allocator.buffer(bytes: handed.bytes)))
            }.get()
            for _ in 0..<5000 {
                let unacknowledged = try await context.eventLoop.flatSubmit {
                    guard let provider = handed.context.channel as? any SocketOptionProvider else {
                        return handed.context.eventLoop.makeSucceededFuture(UInt32(0))
                    }
                    return provider.getTCPInfo().map { $0.tcpi_unacked }
                }.get()
                if unacknowledged == 0 { break }
                try await Task.sleep(nanoseconds: 1_000_000)
            }
        }
    }

    /// Reads again on every connection that stopped reading, dropping what arrives (no more
    /// requests are answered there), so that a close by the gateway is seen.
    func resumeReading() async throws {
        let stopped = state.withLockedValue { state in defer { state.stopped.removeAll() }; return state.stopped }
        for context in stopped {
            let handed = HeldWrite(context: context, bytes: [])
            try await context.eventLoop.submit {
                // A channel closed meanwhile (a reset from the gateway) has nothing left to read.
                if handed.context.channel.isActive { handed.context.channel.read() }
                handed.context.channel.setOption(.autoRead, value: true).whenFailure { _ in }
            }.get()
        }
    }

    /// Returns once `condition` holds; throws after `seconds` (a failure bound, not a wait:
    /// the update that makes the condition true resumes the caller).
    func wait(seconds: Int64 = 10, until condition: @escaping @Sendable (Observation) -> Bool) async throws {
        let holds = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let id = state.withLockedValue { state -> Int? in
                if condition(state.observation) { return nil }
                state.nextWaiter += 1
                state.waiters.append(Waiter(id: state.nextWaiter, condition: condition, continuation: continuation))
                return state.nextWaiter
            }
            guard let id else {
                continuation.resume(returning: true)
                return
            }
            // The bound is a timer on the backend's loop (cancelled when the group shuts down:
            // `stop()` then resumes every waiter itself).
            group.next().scheduleTask(in: .seconds(seconds)) { self.expire(id) }
        }
        guard holds else { throw WaitTimedOut(observation: observation) }
    }

    private func expire(_ id: Int) {
        let waiter = state.withLockedValue { state -> Waiter? in
            guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return state.waiters.remove(at: index)
        }
        waiter?.continuation.resume(returning: false)
    }

    struct WaitTimedOut: Error, CustomStringConvertible {
        var observation: Observation
        var description: String { "the backend's observation did not become true: \(observation)" }
    }

    func stop() async throws {
        try await channel.close()
        try await group.shutdownGracefully()
        // Anyone still waiting would wait forever: the condition can no longer become true.
        let waiters = state.withLockedValue { state in defer { state.waiters.removeAll() }; return state.waiters }
        for waiter in waiters { waiter.continuation.resume(returning: false) }
    }

    @discardableResult
    private func update<T>(_ body: (inout Observation) -> T) -> T {
        let (result, ready) = state.withLockedValue { state -> (T, [CheckedContinuation<Bool, Never>]) in
            let result = body(&state.observation)
            var ready: [CheckedContinuation<Bool, Never>] = []
            let observation = state.observation
            state.waiters.removeAll { waiter in
                guard waiter.condition(observation) else { return false }
                ready.append(waiter.continuation)
                return true
            }
            return (result, ready)
        }
        for continuation in ready { continuation.resume(returning: true) }
        return result
    }

    fileprivate func hold(_ bytes: [UInt8], on context: ChannelHandlerContext) {
        state.withLockedValue { $0.held.append((context, bytes)) }
    }

    fileprivate func stoppedReading(_ context: ChannelHandlerContext) {
        state.withLockedValue { $0.stopped.append(context) }
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let backend: ScriptedBackend
        let connection: Int
        let script: @Sendable (Int, Int) -> [Step]
        var received: [UInt8] = []
        var bodyLeft = 0
        var requests = 0
        /// False once the script closed the connection or stopped reading: what arrives is dropped.
        var reading = true
        /// The script closed the connection (else the gateway did, or reset it).
        var closedByScript = false

        init(backend: ScriptedBackend, connection: Int, script: @escaping @Sendable (Int, Int) -> [Step]) {
            self.backend = backend
            self.connection = connection
            self.script = script
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard reading else { return }
            received += unwrapInboundIn(data).readableBytesView
            let marker = Array("\r\n\r\n".utf8)
            while reading {
                if bodyLeft > 0 {
                    let take = min(bodyLeft, received.count)
                    received.removeFirst(take)
                    bodyLeft -= take
                    if bodyLeft > 0 { return }
                }
                guard let end = received.indices.first(where: { received[$0...].starts(with: marker) }) else { return }
                let head = String(decoding: received[..<end], as: UTF8.self)
                received.removeSubrange(..<(end + marker.count))
                let lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
                bodyLeft = lines.dropFirst().compactMap { line -> Int? in
                    let parts = line.split(separator: ":", maxSplits: 1)
                    guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
                    return Int(parts[1].trimmingCharacters(in: .whitespaces))
                }.first ?? 0
                requests += 1
                let number = requests, connection = connection
                let steps = script(connection, number)
                // Held parts first: the test releases them once it read what `.send` wrote,
                // which may be before this loop would have reached them, or once it saw the
                // request (so before the request is counted).
                for case .hold(let text) in steps { backend.hold(Array(text.utf8), on: context) }
                backend.update { $0.requests.append((connection, String(lines.first ?? ""))) }
                for step in steps {
                    switch step {
                    case .send(let text):
                        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: text)), promise: nil)
                    case .hold:
                        break
                    case .close:
                        reading = false
                        closedByScript = true
                        context.close(promise: nil)
                    case .reset:
                        reading = false
                        closedByScript = true
                        let channel = context.channel
                        if let provider = channel as? any SocketOptionProvider {
                            provider.setSoLinger(linger(l_onoff: 1, l_linger: 0)).whenComplete { _ in channel.close(promise: nil) }
                        } else {
                            channel.close(promise: nil)
                        }
                    case .stopReading:
                        reading = false
                        _ = context.channel.setOption(.autoRead, value: false)
                        backend.stoppedReading(context)
                    }
                }
            }
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if case ChannelEvent.inputClosed = event { context.close(promise: nil) }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)   // a reset
        }

        func channelInactive(context: ChannelHandlerContext) {
            if !closedByScript {
                let connection = connection
                backend.update { $0.closedByGateway.insert(connection) }
            }
            context.fireChannelInactive()
        }
    }
}

/// A held write carried to its context's event loop.
private struct HeldWrite: @unchecked Sendable {
    let context: ChannelHandlerContext
    let bytes: [UInt8]
}
