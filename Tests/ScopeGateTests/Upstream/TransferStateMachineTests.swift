import NIOCore
import XCTest
@testable import ScopeGateUpstream

/// The upstream transfer's state machine, table-driven: a state (reached by a path of events
/// from a fresh transfer), one event, its outcome and the state it leaves. Impossible events
/// are rows too. The engine tests (both modes) and the end-to-end tests stay the byte-exact net.
final class TransferStateMachineTests: XCTestCase {
    private typealias Machine = TransferStateMachine

    private enum Event {
        case send(Int)
        case finish
        case clientPaused(Bool)
        case delivered(Int)
        case cancel
        case head
        case read(capacity: Int)
        case write(Int)
        /// The rest of a `.bytes` body, `Int` bytes from the offset curl seeks to.
        case rewind(Int)
        case synchronize
    }

    private enum Outcome: Equatable {
        case action(Machine.Action)
        case sent(Machine.Room, Machine.Action)
        case read(Machine.Read)
        case write(Machine.Write)
        case rewind(Machine.Rewind)
    }

    private struct Row {
        var name: String
        var body: UpstreamRequestBody?
        var path: [Event]
        var event: Event
        var outcome: Outcome
        var state: String
        /// The path itself ends on an impossible event (rows about the failed state).
        var pathFails = false
    }

    private static let requestHigh = UpstreamBufferLimits.requestBodyHighWater
    private static let requestLow = UpstreamBufferLimits.requestBodyLowWater
    private static let responseHigh = UpstreamBufferLimits.responseHighWater
    private static let responseLow = UpstreamBufferLimits.responseLowWater

    private static func bytes(_ count: Int) -> ByteBuffer {
        ByteBuffer(bytes: [UInt8](repeating: 0x61, count: count))
    }

    private static func failure(_ outcome: Outcome) -> String? {
        switch outcome {
        case .action(.fail(let message)), .sent(_, .fail(let message)), .read(.fail(let message)),
             .write(.fail(let message)), .rewind(.fail(let message)):
            return message
        default:
            return nil
        }
    }

    private func apply(_ event: Event, to machine: inout Machine) -> Outcome {
        switch event {
        case .send(let count):
            let (room, action) = machine.send(Self.bytes(count))
            return .sent(room, action)
        case .finish: return .action(machine.finish())
        case .clientPaused(let paused): return .action(machine.setClientPaused(paused))
        case .delivered(let count): return .action(machine.delivered(count))
        case .cancel:
            machine.cancel()
            return .action(.none)
        case .head: return .action(machine.headReceived())
        case .read(let capacity):
            var buffer = [UInt8](repeating: 0, count: capacity)
            return .read(buffer.withUnsafeMutableBytes { machine.read(into: $0) })
        case .write(let count): return .write(machine.write(count))
        case .rewind(let count): return .rewind(machine.rewind(to: Self.bytes(count)))
        case .synchronize: return .action(machine.synchronize())
        }
    }

    private func check(_ rows: [Row]) {
        for row in rows {
            var machine = Machine(body: row.body)
            for (index, step) in row.path.enumerated() {
                if let message = Self.failure(apply(step, to: &machine)), !(row.pathFails && index == row.path.count - 1) {
                    XCTFail("\(row.name): path step \(index) failed: \(message)")
                }
            }
            XCTAssertEqual(apply(row.event, to: &machine), row.outcome, "\(row.name): outcome")
            XCTAssertEqual(machine.description, row.state, "\(row.name): next state")
        }
    }

    // MARK: Bodies and states

    private static let stream = UpstreamRequestBody.stream(length: nil)

    private static func open(_ bytes: Int = 0, curl: String = "reading", demandOwed: Bool = false, receive: String = "awaitingHead(flowing)") -> String {
        "transferring(open(bytes: \(bytes), curl: \(curl), demandOwed: \(demandOwed)), \(receive))"
    }

    private static func finishing(_ bytes: Int = 0, curl: String = "reading", demandOwed: Bool = false) -> String {
        "transferring(finishing(bytes: \(bytes), curl: \(curl), demandOwed: \(demandOwed)), awaitingHead(flowing))"
    }

    private static func receiving(_ inFlight: Int = 0, _ pause: String = "flowing") -> String {
        "transferring(none, receiving(inFlight: \(inFlight), \(pause)))"
    }

    private static let starved: [Event] = [.read(capacity: 64)]
    private static let full: [Event] = [.send(requestHigh)]
    private static let streaming: [Event] = [.head]
    private static let bufferPaused: [Event] = [.head, .write(responseHigh), .write(1)]

    // MARK: Tables

    func testSendingTheBody() {
        check([
            Row(name: "part queued", body: Self.stream, path: [], event: .send(3),
                outcome: .sent(.ok, .none), state: Self.open(3)),
            Row(name: "queue full: a demand is owed", body: Self.stream, path: [], event: .send(Self.requestHigh),
                outcome: .sent(.full, .none), state: Self.open(Self.requestHigh, demandOwed: true)),
            Row(name: "part for a starved upload wakes curl", body: Self.stream, path: Self.starved, event: .send(3),
                outcome: .sent(.ok, .kick), state: Self.open(3, curl: "waking")),
            Row(name: "second part while waking: no second kick", body: Self.stream, path: Self.starved + [.send(3)], event: .send(2),
                outcome: .sent(.ok, .none), state: Self.open(5, curl: "waking")),
            Row(name: "empty part leaves curl starved", body: Self.stream, path: Self.starved, event: .send(0),
                outcome: .sent(.ok, .none), state: Self.open(0, curl: "starved")),
            Row(name: "part after the end: dropped", body: Self.stream, path: [.finish], event: .send(3),
                outcome: .sent(.ok, .none), state: Self.finishing()),
            Row(name: "part after the cancellation: dropped", body: Self.stream, path: [.cancel], event: .send(3),
                outcome: .sent(.ok, .none), state: "cancelled(curlPaused: none)"),
            Row(name: "end", body: Self.stream, path: [.send(3)], event: .finish,
                outcome: .action(.none), state: Self.finishing(3)),
            Row(name: "end for a starved upload wakes curl", body: Self.stream, path: Self.starved, event: .finish,
                outcome: .action(.kick), state: Self.finishing(curl: "waking")),
            Row(name: "end twice", body: Self.stream, path: [.finish], event: .finish,
                outcome: .action(.none), state: Self.finishing()),
            Row(name: "end keeps an owed demand", body: Self.stream, path: Self.full, event: .finish,
                outcome: .action(.none), state: Self.finishing(Self.requestHigh, demandOwed: true)),
            Row(name: "end of a transfer without a body (the exchange ends every GET): nothing to do", body: nil, path: [], event: .finish,
                outcome: .action(.none), state: "transferring(none, awaitingHead(flowing))"),
            Row(name: "part for a transfer without a body (impossible)", body: nil, path: [], event: .send(3),
                outcome: .sent(.ok, .fail("request body part for a transfer without a request body")),
                state: "failed(request body part for a transfer without a request body, curlPaused: none)"),
        ])
    }

    func testReadCallback() {
        check([
            Row(name: "copies what is queued", body: Self.stream, path: [.send(3)], event: .read(capacity: 64),
                outcome: .read(.copied(3, bodyDemand: false)), state: Self.open()),
            Row(name: "copies what fits", body: Self.stream, path: [.send(100)], event: .read(capacity: 64),
                outcome: .read(.copied(64, bodyDemand: false)), state: Self.open(36)),
            Row(name: "nothing queued: pause (starved)", body: Self.stream, path: [], event: .read(capacity: 64),
                outcome: .read(.pause), state: Self.open(curl: "starved")),
            Row(name: "above the low water: the demand stays owed", body: Self.stream, path: Self.full,
                event: .read(capacity: Self.requestHigh - Self.requestLow - 1),
                outcome: .read(.copied(Self.requestHigh - Self.requestLow - 1, bodyDemand: false)),
                state: Self.open(Self.requestLow + 1, demandOwed: true)),
            Row(name: "drained to the low water: the demand", body: Self.stream, path: Self.full,
                event: .read(capacity: Self.requestHigh - Self.requestLow),
                outcome: .read(.copied(Self.requestHigh - Self.requestLow, bodyDemand: true)), state: Self.open(Self.requestLow)),
            Row(name: "drained after the end: the demand still", body: Self.stream, path: Self.full + [.finish],
                event: .read(capacity: Self.requestHigh),
                outcome: .read(.copied(Self.requestHigh, bodyDemand: true)), state: Self.finishing()),
            Row(name: "read before the kick took effect: curl reads", body: Self.stream, path: Self.starved + [.send(3)],
                event: .read(capacity: 64), outcome: .read(.copied(3, bodyDemand: false)), state: Self.open()),
            Row(name: "end of the body", body: Self.stream, path: [.finish], event: .read(capacity: 64),
                outcome: .read(.end), state: "transferring(sent, awaitingHead(flowing))"),
            Row(name: "asked again after the end", body: Self.stream, path: [.finish, .read(capacity: 64)], event: .read(capacity: 64),
                outcome: .read(.end), state: "transferring(sent, awaitingHead(flowing))"),
            Row(name: "a whole body", body: .bytes(Self.bytes(5)), path: [], event: .read(capacity: 64),
                outcome: .read(.copied(5, bodyDemand: false)), state: Self.finishing()),
            Row(name: "cancelled: abort, never the end", body: Self.stream, path: [.send(3), .cancel], event: .read(capacity: 64),
                outcome: .read(.abort), state: "cancelled(curlPaused: none)"),
            Row(name: "cancelled whole body: abort", body: .bytes(Self.bytes(5)), path: [.cancel], event: .read(capacity: 64),
                outcome: .read(.abort), state: "cancelled(curlPaused: none)"),
            Row(name: "a whole body rewound", body: .bytes(Self.bytes(5)), path: [.read(capacity: 64), .read(capacity: 64)],
                event: .rewind(2), outcome: .rewind(.rewound), state: Self.finishing(2)),
            Row(name: "rewound after the cancellation: refused", body: .bytes(Self.bytes(5)), path: [.cancel],
                event: .rewind(2), outcome: .rewind(.refused), state: "cancelled(curlPaused: none)"),
            Row(name: "a streamed body rewound (impossible)", body: Self.stream, path: [], event: .rewind(2),
                outcome: .rewind(.fail("a request body rewound that is not a whole one")),
                state: "failed(a request body rewound that is not a whole one, curlPaused: none)"),
            Row(name: "read without a body (impossible)", body: nil, path: [], event: .read(capacity: 64),
                outcome: .read(.fail("request body read for a transfer without a request body")),
                state: "failed(request body read for a transfer without a request body, curlPaused: none)"),
            Row(name: "read after a failure: abort", body: nil, path: [.send(1)], event: .read(capacity: 64),
                outcome: .read(.abort), state: "failed(request body part for a transfer without a request body, curlPaused: none)",
                pathFails: true),
        ])
    }

    func testWriteCallbackAndDelivery() {
        check([
            Row(name: "head", body: nil, path: [], event: .head, outcome: .action(.none), state: Self.receiving()),
            Row(name: "bytes taken", body: nil, path: Self.streaming, event: .write(10), outcome: .write(.take), state: Self.receiving(10)),
            Row(name: "taken up to the high water", body: nil, path: Self.streaming + [.write(Self.responseHigh - 1)], event: .write(16),
                outcome: .write(.take), state: Self.receiving(Self.responseHigh + 15)),
            Row(name: "at the high water: paused for the buffer", body: nil, path: Self.streaming + [.write(Self.responseHigh)],
                event: .write(1), outcome: .write(.pause), state: Self.receiving(Self.responseHigh, "paused(buffer)")),
            Row(name: "delivered above the low water: still paused", body: nil, path: Self.bufferPaused,
                event: .delivered(Self.responseHigh - Self.responseLow - 1), outcome: .action(.none),
                state: Self.receiving(Self.responseLow + 1, "paused(buffer)")),
            Row(name: "delivered to the low water: resume", body: nil, path: Self.bufferPaused,
                event: .delivered(Self.responseHigh - Self.responseLow), outcome: .action(.kick),
                state: Self.receiving(Self.responseLow, "resuming")),
            Row(name: "resumed by the curl loop", body: nil, path: Self.bufferPaused + [.delivered(Self.responseHigh)],
                event: .synchronize, outcome: .action(.setCurlPause([])), state: Self.receiving(0)),
            Row(name: "written again inside curl_easy_pause", body: nil,
                path: Self.bufferPaused + [.delivered(Self.responseHigh), .synchronize], event: .write(5),
                outcome: .write(.take), state: Self.receiving(5)),
            Row(name: "delivered while flowing", body: nil, path: Self.streaming + [.write(10)], event: .delivered(4),
                outcome: .action(.none), state: Self.receiving(6)),
            Row(name: "second head (impossible)", body: nil, path: Self.streaming, event: .head,
                outcome: .action(.fail("a second final response head")),
                state: "failed(a second final response head, curlPaused: none)"),
            Row(name: "bytes before the head (impossible)", body: nil, path: [], event: .write(1),
                outcome: .write(.fail("response body bytes before the response head")),
                state: "failed(response body bytes before the response head, curlPaused: none)"),
            Row(name: "more delivered than received (impossible)", body: nil, path: Self.streaming + [.write(3)], event: .delivered(4),
                outcome: .action(.fail("4 response bytes delivered, 3 in flight")),
                state: "failed(4 response bytes delivered, 3 in flight, curlPaused: none)"),
            Row(name: "delivered before the head (impossible)", body: nil, path: [], event: .delivered(1),
                outcome: .action(.fail("response bytes delivered before the response head")),
                state: "failed(response bytes delivered before the response head, curlPaused: none)"),
            Row(name: "write after a failure: abort, paused kept", body: nil, path: Self.bufferPaused + [.delivered(Self.responseHigh + 1)],
                event: .write(1), outcome: .write(.abort),
                state: "failed(\(Self.responseHigh + 1) response bytes delivered, \(Self.responseHigh) in flight, curlPaused: receive)",
                pathFails: true),
            Row(name: "the curl loop ends a failed transfer", body: nil, path: [.delivered(1)], event: .synchronize,
                outcome: .action(.fail("response bytes delivered before the response head")),
                state: "failed(response bytes delivered before the response head, curlPaused: none)", pathFails: true),
        ])
    }

    func testClientPacing() {
        check([
            Row(name: "client not writable: pause wanted", body: nil, path: Self.streaming, event: .clientPaused(true),
                outcome: .action(.kick), state: Self.receiving(0, "pausing")),
            Row(name: "asked twice", body: nil, path: Self.streaming + [.clientPaused(true)], event: .clientPaused(true),
                outcome: .action(.none), state: Self.receiving(0, "pausing")),
            Row(name: "applied by the curl loop", body: nil, path: Self.streaming + [.clientPaused(true)], event: .synchronize,
                outcome: .action(.setCurlPause(.receive)), state: Self.receiving(0, "paused(client)")),
            Row(name: "applied by the write callback first", body: nil, path: Self.streaming + [.clientPaused(true)], event: .write(4),
                outcome: .write(.pause), state: Self.receiving(0, "paused(client)")),
            Row(name: "then the kick finds nothing to do", body: nil, path: Self.streaming + [.clientPaused(true), .write(4)],
                event: .synchronize, outcome: .action(.none), state: Self.receiving(0, "paused(client)")),
            Row(name: "writable again before it was applied", body: nil, path: Self.streaming + [.clientPaused(true)],
                event: .clientPaused(false), outcome: .action(.none), state: Self.receiving()),
            Row(name: "writable again: resume", body: nil, path: Self.streaming + [.clientPaused(true), .synchronize],
                event: .clientPaused(false), outcome: .action(.kick), state: Self.receiving(0, "resuming")),
            Row(name: "not writable again before the resume: stays paused", body: nil,
                path: Self.streaming + [.clientPaused(true), .synchronize, .clientPaused(false)], event: .clientPaused(true),
                outcome: .action(.none), state: Self.receiving(0, "paused(client)")),
            Row(name: "writable while the buffer is high: stays paused", body: nil,
                path: Self.bufferPaused + [.clientPaused(true)], event: .clientPaused(false),
                outcome: .action(.none), state: Self.receiving(Self.responseHigh, "paused(buffer)")),
            Row(name: "drained while the client is not writable: stays paused", body: nil,
                path: Self.bufferPaused + [.clientPaused(true)], event: .delivered(Self.responseHigh),
                outcome: .action(.none), state: Self.receiving(0, "paused(client)")),
            Row(name: "paused for the client with the buffer high", body: nil,
                path: Self.streaming + [.write(Self.responseHigh), .clientPaused(true)], event: .write(1),
                outcome: .write(.pause), state: Self.receiving(Self.responseHigh, "paused(client+buffer)")),
            Row(name: "before the head", body: nil, path: [], event: .clientPaused(true),
                outcome: .action(.kick), state: "transferring(none, awaitingHead(pausing))"),
            Row(name: "head while paused", body: nil, path: [.clientPaused(true), .synchronize], event: .head,
                outcome: .action(.none), state: Self.receiving(0, "paused(client)")),
            Row(name: "both sides applied at once", body: Self.stream, path: Self.starved + [.clientPaused(true)], event: .synchronize,
                outcome: .action(.setCurlPause([.receive, .send])),
                state: Self.open(curl: "starved", receive: "awaitingHead(paused(client))")),
            Row(name: "the send side resumed, the receive side kept", body: Self.stream,
                path: Self.starved + [.clientPaused(true), .synchronize, .send(3)], event: .synchronize,
                outcome: .action(.setCurlPause(.receive)), state: Self.open(3, receive: "awaitingHead(paused(client))")),
        ])
    }

    func testCancellation() {
        check([
            Row(name: "cancelled while paused: libcurl's pause is kept", body: nil,
                path: Self.streaming + [.clientPaused(true), .synchronize], event: .cancel,
                outcome: .action(.none), state: "cancelled(curlPaused: receive)"),
            Row(name: "bytes after the cancellation: paused", body: nil, path: Self.streaming + [.cancel], event: .write(5),
                outcome: .write(.pause), state: "cancelled(curlPaused: receive)"),
            Row(name: "pacing after the cancellation: ignored", body: nil, path: Self.streaming + [.cancel], event: .clientPaused(true),
                outcome: .action(.none), state: "cancelled(curlPaused: none)"),
            Row(name: "delivery after the cancellation: ignored", body: nil, path: Self.streaming + [.write(5), .cancel],
                event: .delivered(5), outcome: .action(.none), state: "cancelled(curlPaused: none)"),
            Row(name: "kick after the cancellation: nothing", body: Self.stream, path: Self.starved + [.send(3), .cancel],
                event: .synchronize, outcome: .action(.none), state: "cancelled(curlPaused: send)"),
            Row(name: "cancelled twice", body: Self.stream, path: [.cancel], event: .cancel,
                outcome: .action(.none), state: "cancelled(curlPaused: none)"),
        ])
    }

    /// The bytes themselves: parts are read in order, across part boundaries.
    func testReadCopiesThePartsInOrder() {
        var machine = Machine(body: .stream(length: nil))
        _ = machine.send(ByteBuffer(string: "abc"))
        _ = machine.send(ByteBuffer(string: "defgh"))
        _ = machine.finish()
        var read = ""
        while true {
            var buffer = [UInt8](repeating: 0, count: 3)
            let outcome = buffer.withUnsafeMutableBytes { machine.read(into: $0) }
            guard case .copied(let count, _) = outcome else {
                XCTAssertEqual(outcome, .end)
                break
            }
            read += String(decoding: buffer[0..<count], as: UTF8.self)
        }
        XCTAssertEqual(read, "abcdefgh")
        XCTAssertEqual(machine.bufferedRequestBytes, 0)
        XCTAssertFalse(machine.isSendingBody)
    }
}
