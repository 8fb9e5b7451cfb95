import NIOCore
import NIOHTTP1
import XCTest
@testable import ScopeGateServer

/// The exchange state machine, table-driven: a state (reached by a path of events from idle),
/// one event, the action it returns and the state it leaves. Impossible events are rows too.
final class ExchangeStateMachineTests: XCTestCase {
    private final class Record {}
    private typealias Machine = ExchangeStateMachine<Record>
    private typealias Action = Machine.Action

    private enum Event {
        case head(body: Bool = false, expectsContinue: Bool = false, close: Bool = false)
        case part(Int)
        case end
        case read
        case inputClosed
        case drain
        case cut
        case awaitKeys
        case keysArrived(stale: Bool = false)
        case allow
        case readComplete
        case started(queueFull: Bool, readPending: Bool)
        case answer(forceClose: Bool)
        case queueFull
        case wantsMoreBody
        case upstreamHead(bytesLeft: Int? = nil, closes: Bool = false, stale: Bool = false)
        case upstreamPart(Int)
        case batchEnd
        case upstreamEnd(stale: Bool = false)
        case upstreamFailed(stale: Bool = false)
    }

    private struct Row {
        var name: String
        var path: [Event]
        var event: Event
        var action: Action
        var state: String
    }

    private static let responseHead = HTTPResponseHead(version: .http1_1, status: .ok)

    private static func bytes(_ count: Int) -> ByteBuffer {
        ByteBuffer(bytes: [UInt8](repeating: 0x61, count: count))
    }

    private func apply(_ event: Event, to machine: inout Machine, record: Record) -> Action {
        let other = Record()
        switch event {
        case .head(let body, let expectsContinue, let close):
            return machine.requestHead(record, expectsBody: body, expectsContinue: expectsContinue, closeRequested: close)
        case .part(let count): return machine.requestBodyPart(Self.bytes(count))
        case .end: return machine.requestEnd()
        case .read: return machine.readRequested()
        case .inputClosed: return machine.inputClosed()
        case .drain:
            machine.drain()
            return .none
        case .cut: return machine.cut()
        case .awaitKeys: return machine.awaitKeys()
        case .keysArrived(let stale): return machine.keysArrived(stale ? other : record)
        case .allow: return machine.allow()
        case .readComplete: return machine.readComplete()
        case .started(let queueFull, let readPending): return machine.upstreamStarted(queueFull: queueFull, readPending: readPending)
        case .answer(let forceClose): return machine.answer(forceClose: forceClose)
        case .queueFull: return machine.upstreamQueueFull()
        case .wantsMoreBody: return machine.upstreamWantsMoreBody(record)
        case .upstreamHead(let bytesLeft, let closes, let stale):
            return machine.upstreamHead(stale ? other : record, Self.responseHead, bytesLeft: bytesLeft, closes: closes)
        case .upstreamPart(let count): return machine.upstreamBodyPart(record, Self.bytes(count))
        case .batchEnd: return machine.upstreamBatchEnd(record)
        case .upstreamEnd(let stale): return machine.upstreamEnd(stale ? other : record)
        case .upstreamFailed(let stale): return machine.upstreamFailed(stale ? other : record)
        }
    }

    private func check(_ rows: [Row]) {
        for row in rows {
            let record = Record()
            var machine = Machine()
            for (index, step) in row.path.enumerated() {
                let action = apply(step, to: &machine, record: record)
                if case .failConnection(let message) = action {
                    XCTFail("\(row.name): path step \(index) failed: \(message)")
                }
            }
            let action = apply(row.event, to: &machine, record: record)
            XCTAssertEqual(action, row.action, "\(row.name): action")
            XCTAssertEqual(machine.description, row.state, "\(row.name): next state")
        }
    }

    // MARK: Paths to the states

    private static let deciding: [Event] = [.head()]
    private static let decidingWithBody: [Event] = [.head(body: true)]
    private static let awaitingKeys: [Event] = [.head(body: true), .awaitKeys]
    /// A GET, allowed, started, its end read.
    private static let forwardingGet: [Event] = [.head(), .allow, .started(queueFull: false, readPending: false), .end]
    private static let gathering: [Event] = [.head(body: true), .allow]
    private static let sendingBody: [Event] = gathering + [.readComplete, .started(queueFull: false, readPending: false)]
    private static let readsHeld: [Event] = sendingBody + [.queueFull]
    private static let headHeld: [Event] = forwardingGet + [.upstreamHead(bytesLeft: 5)]
    private static let responseStreaming: [Event] = headHeld + [.upstreamPart(1)]
    private static let answering: [Event] = [.head(body: true), .answer(forceClose: false)]

    private static let idleName = "idle"
    private static let decidingName = "deciding(parts: 0, ended: false, readPending: false)"
    private static let awaitingName = "awaitingKeys(parts: 0, ended: false, readPending: false)"
    private static let sendingName = "forwarding(sending, awaitingHead, reads: open)"
    private static let endedName = "forwarding(ended, awaitingHead, reads: open)"
    private static let gatheringName = "forwarding(gathering(parts: 0, ended: false), awaitingHead, reads: open)"

    // MARK: Tables

    func testClientEventsBetweenRequests() {
        check([
            Row(name: "head", path: [], event: .head(), action: .none, state: Self.decidingName),
            Row(name: "read", path: [], event: .read, action: .read, state: "idle"),
            Row(name: "half-close", path: [], event: .inputClosed, action: .closeWhenWritten, state: "idle"),
            Row(name: "parser error answered", path: [], event: .answer(forceClose: true), action: .answer(.close, nil), state: "closing"),
            Row(name: "late upstream end", path: [], event: .upstreamEnd(), action: .drop, state: "idle"),
            Row(name: "cut", path: [], event: .cut, action: .cut(nil), state: "closing"),
            Row(name: "body part (impossible)", path: [], event: .part(1),
                action: .failConnection("request body part with no request body under way"), state: "closing"),
            Row(name: "end (impossible)", path: [], event: .end,
                action: .failConnection("request end with no request under way"), state: "closing"),
            Row(name: "allow (impossible)", path: [], event: .allow,
                action: .failConnection("allowed outside a decision"), state: "closing"),
        ])
    }

    func testDecision() {
        check([
            Row(name: "GET allowed: starts at once", path: Self.deciding, event: .allow,
                action: .startUpstream(parts: [], finishBody: false, writeContinue: false, readPending: false), state: Self.sendingName),
            Row(name: "body allowed: start deferred", path: Self.decidingWithBody, event: .allow,
                action: .awaitReadComplete(writeContinue: false), state: Self.gatheringName),
            Row(name: "body with Expect allowed: 100 Continue", path: [.head(body: true, expectsContinue: true)], event: .allow,
                action: .awaitReadComplete(writeContinue: true), state: Self.gatheringName),
            Row(name: "GET denied: keep-alive until its end", path: Self.deciding, event: .answer(forceClose: false),
                action: .answer(.keepAlive, nil), state: "answering(close: false)"),
            Row(name: "body denied: lingering close", path: Self.decidingWithBody, event: .answer(forceClose: false),
                action: .answer(.lingeringClose, nil), state: "answering(close: true)"),
            Row(name: "Connection: close denied", path: [.head(close: true)], event: .answer(forceClose: false),
                action: .answer(.lingeringClose, nil), state: "answering(close: true)"),
            Row(name: "denied while draining", path: [.drain, .head()], event: .answer(forceClose: false),
                action: .answer(.lingeringClose, nil), state: "answering(close: true)"),
            Row(name: "head refused (forced close)", path: Self.deciding, event: .answer(forceClose: true),
                action: .answer(.lingeringClose, nil), state: "answering(close: true)"),
            Row(name: "key wait", path: Self.decidingWithBody, event: .awaitKeys,
                action: .holdReads(count: false), state: Self.awaitingName),
            Row(name: "read while deciding", path: Self.deciding, event: .read,
                action: .none, state: "deciding(parts: 0, ended: false, readPending: true)"),
            Row(name: "second head (impossible)", path: Self.deciding, event: .head(),
                action: .failConnection("request head while a request is under way"), state: "closing"),
            Row(name: "body part (impossible)", path: Self.decidingWithBody, event: .part(1),
                action: .failConnection("request body part with no request body under way"), state: "closing"),
        ])
    }

    func testKeyWait() {
        check([
            Row(name: "part kept", path: Self.awaitingKeys, event: .part(3),
                action: .none, state: "awaitingKeys(parts: 1, ended: false, readPending: false)"),
            Row(name: "end kept", path: Self.awaitingKeys, event: .end,
                action: .none, state: "awaitingKeys(parts: 0, ended: true, readPending: false)"),
            Row(name: "read held", path: Self.awaitingKeys, event: .read,
                action: .none, state: "awaitingKeys(parts: 0, ended: false, readPending: true)"),
            Row(name: "keys arrived", path: Self.awaitingKeys, event: .keysArrived(),
                action: .releaseReads(.init(phase: true, read: false)), state: Self.decidingName),
            Row(name: "another exchange's keys", path: Self.awaitingKeys, event: .keysArrived(stale: true),
                action: .drop, state: Self.awaitingName),
            Row(name: "413 during the wait", path: Self.awaitingKeys, event: .answer(forceClose: true),
                action: .answer(.lingeringClose, .init(phase: true, read: false)), state: "answering(close: true)"),
            Row(name: "413 during the wait, read pending", path: Self.awaitingKeys + [.read], event: .answer(forceClose: true),
                action: .answer(.lingeringClose, .init(phase: true, read: true)), state: "answering(close: true)"),
            Row(name: "keys arrived after the 413", path: Self.awaitingKeys + [.answer(forceClose: true)], event: .keysArrived(),
                action: .drop, state: "answering(close: true)"),
            Row(name: "allowed with the whole body kept", path: Self.awaitingKeys + [.part(3), .end, .read, .keysArrived()],
                event: .allow, action: .startUpstream(parts: [Self.bytes(3)], finishBody: true, writeContinue: false, readPending: true),
                state: Self.endedName),
            Row(name: "allowed with part of the body kept: starts at once", path: Self.awaitingKeys + [.part(3), .read, .keysArrived()],
                event: .allow, action: .startUpstream(parts: [Self.bytes(3)], finishBody: false, writeContinue: false, readPending: true),
                state: Self.sendingName),
            Row(name: "allowed after the wait, Expect: 100 Continue now", path: [.head(body: true, expectsContinue: true), .awaitKeys, .keysArrived()],
                event: .allow, action: .startUpstream(parts: [], finishBody: false, writeContinue: true, readPending: false),
                state: Self.sendingName),
            Row(name: "allowed after the wait with the whole body: no 100 Continue", path: [.head(body: true, expectsContinue: true), .awaitKeys, .end, .keysArrived()],
                event: .allow, action: .startUpstream(parts: [], finishBody: true, writeContinue: false, readPending: false),
                state: Self.endedName),
            Row(name: "denied after the end", path: Self.awaitingKeys + [.end, .keysArrived()], event: .answer(forceClose: false),
                action: .answer(.keepAlive, nil), state: "idle"),
            Row(name: "denied before the end, read pending", path: Self.awaitingKeys + [.read, .keysArrived()],
                event: .answer(forceClose: false), action: .answer(.lingeringClose, .init(phase: false, read: true)),
                state: "answering(close: true)"),
            Row(name: "upstream event (impossible here: dropped)", path: Self.awaitingKeys, event: .upstreamEnd(),
                action: .drop, state: Self.awaitingName),
            Row(name: "head (impossible)", path: Self.awaitingKeys, event: .head(),
                action: .failConnection("request head while a request is under way"), state: "closing"),
        ])
    }

    func testRequestSide() {
        check([
            Row(name: "part kept before the start", path: Self.gathering, event: .part(3),
                action: .none, state: "forwarding(gathering(parts: 1, ended: false), awaitingHead, reads: open)"),
            Row(name: "end kept before the start", path: Self.gathering, event: .end,
                action: .none, state: "forwarding(gathering(parts: 0, ended: true), awaitingHead, reads: open)"),
            Row(name: "read before the start", path: Self.gathering, event: .read, action: .read, state: Self.gatheringName),
            Row(name: "read complete", path: Self.gathering, event: .readComplete,
                action: .startUpstream(parts: [], finishBody: false, writeContinue: false, readPending: false), state: Self.sendingName),
            Row(name: "read complete with the whole body", path: Self.gathering + [.part(2), .end], event: .readComplete,
                action: .startUpstream(parts: [Self.bytes(2)], finishBody: true, writeContinue: false, readPending: false), state: Self.endedName),
            Row(name: "read complete once started", path: Self.sendingBody, event: .readComplete,
                action: .none, state: Self.sendingName),
            Row(name: "read complete after a 400/413", path: Self.gathering + [.answer(forceClose: true)], event: .readComplete,
                action: .none, state: "answering(close: true)"),
            Row(name: "read complete between requests", path: [], event: .readComplete, action: .none, state: "idle"),
            Row(name: "started, queue full, read pending", path: Self.deciding + [.read, .allow], event: .started(queueFull: true, readPending: true),
                action: .holdReads(count: false), state: "forwarding(sending, awaitingHead, reads: held(readPending: true))"),
            Row(name: "started, read pending", path: Self.deciding + [.read, .allow], event: .started(queueFull: false, readPending: true),
                action: .read, state: Self.sendingName),
            Row(name: "part streamed", path: Self.sendingBody, event: .part(3), action: .sendBody(Self.bytes(3)), state: Self.sendingName),
            Row(name: "queue full", path: Self.sendingBody, event: .queueFull,
                action: .holdReads(count: true), state: "forwarding(sending, awaitingHead, reads: held(readPending: false))"),
            Row(name: "queue full again", path: Self.readsHeld, event: .queueFull,
                action: .none, state: "forwarding(sending, awaitingHead, reads: held(readPending: false))"),
            Row(name: "read while held", path: Self.readsHeld, event: .read,
                action: .none, state: "forwarding(sending, awaitingHead, reads: held(readPending: true))"),
            Row(name: "queue drained, read pending", path: Self.readsHeld + [.read], event: .wantsMoreBody,
                action: .releaseReads(.init(phase: true, read: true)), state: Self.sendingName),
            Row(name: "queue drained, not held", path: Self.sendingBody, event: .wantsMoreBody, action: .none, state: Self.sendingName),
            Row(name: "end", path: Self.sendingBody, event: .end, action: .finishBody, state: Self.endedName),
            Row(name: "413 while streaming, reads held", path: Self.readsHeld + [.read], event: .answer(forceClose: true),
                action: .answer(.lingeringClose, .init(phase: true, read: true)), state: "answering(close: true)"),
            Row(name: "part after the end (impossible)", path: Self.forwardingGet, event: .part(1),
                action: .failConnection("request body part with no request body under way"), state: "closing"),
            Row(name: "second end (impossible)", path: Self.forwardingGet, event: .end,
                action: .failConnection("request end with no request under way"), state: "closing"),
            Row(name: "head while forwarding (impossible)", path: Self.forwardingGet, event: .head(),
                action: .failConnection("request head while a request is under way"), state: "closing"),
        ])
    }

    func testResponseSide() {
        let head = Self.responseHead
        check([
            Row(name: "head held", path: Self.forwardingGet, event: .upstreamHead(bytesLeft: 5),
                action: .none, state: "forwarding(ended, headHeld(bytesLeft: 5), reads: open)"),
            Row(name: "another exchange's head", path: Self.forwardingGet, event: .upstreamHead(stale: true),
                action: .drop, state: Self.endedName),
            Row(name: "first part writes the held head", path: Self.headHeld, event: .upstreamPart(3),
                action: .writeBody(Self.bytes(3), heldHead: head), state: "forwarding(ended, streaming(bytesLeft: 2), reads: open)"),
            Row(name: "part within the length", path: Self.responseStreaming, event: .upstreamPart(4),
                action: .writeBody(Self.bytes(4), heldHead: nil), state: "forwarding(ended, streaming(bytesLeft: 0), reads: open)"),
            Row(name: "part over the length", path: Self.responseStreaming, event: .upstreamPart(5),
                action: .failUpstream("backend sent more body than its Content-Length"),
                state: "forwarding(ended, streaming(bytesLeft: 4), reads: open)"),
            Row(name: "batch end writes the held head", path: Self.headHeld, event: .batchEnd,
                action: .writeHead(head), state: "forwarding(ended, streaming(bytesLeft: 5), reads: open)"),
            Row(name: "batch end once streaming", path: Self.responseStreaming, event: .batchEnd,
                action: .none, state: "forwarding(ended, streaming(bytesLeft: 4), reads: open)"),
            Row(name: "end with the head held", path: Self.headHeld, event: .upstreamEnd(),
                action: .endResponse(heldHead: head, .keepAlive, nil), state: "idle"),
            Row(name: "end after the body", path: Self.responseStreaming, event: .upstreamEnd(),
                action: .endResponse(heldHead: nil, .keepAlive, nil), state: "idle"),
            Row(name: "end of a response that closes", path: Self.forwardingGet + [.upstreamHead(closes: true)], event: .upstreamEnd(),
                action: .endResponse(heldHead: head, .close, nil), state: "closing"),
            Row(name: "end while draining", path: Self.forwardingGet + [.drain, .upstreamHead()], event: .upstreamEnd(),
                action: .endResponse(heldHead: head, .close, nil), state: "closing"),
            Row(name: "end after a half-close", path: Self.forwardingGet + [.inputClosed, .upstreamHead()], event: .upstreamEnd(),
                action: .endResponse(heldHead: head, .close, nil), state: "closing"),
            Row(name: "early answer while uploading", path: Self.sendingBody + [.upstreamHead()], event: .upstreamEnd(),
                action: .endResponse(heldHead: head, .lingeringClose, nil), state: "closing"),
            Row(name: "early answer with reads held", path: Self.readsHeld + [.read, .upstreamHead()], event: .upstreamEnd(),
                action: .endResponse(heldHead: head, .lingeringClose, .init(phase: true, read: true)), state: "closing"),
            Row(name: "failure before the head: 502", path: Self.forwardingGet, event: .upstreamFailed(),
                action: .answer(.keepAlive, nil), state: "idle"),
            Row(name: "failure with the head held: 502", path: Self.headHeld, event: .upstreamFailed(),
                action: .answer(.keepAlive, nil), state: "idle"),
            Row(name: "failure while uploading: 502, lingering", path: Self.sendingBody, event: .upstreamFailed(),
                action: .answer(.lingeringClose, nil), state: "answering(close: true)"),
            Row(name: "failure once streaming: cut", path: Self.responseStreaming, event: .upstreamFailed(),
                action: .cut(nil), state: "closing"),
            Row(name: "another exchange's failure", path: Self.headHeld, event: .upstreamFailed(stale: true),
                action: .drop, state: "forwarding(ended, headHeld(bytesLeft: 5), reads: open)"),
            Row(name: "second head (impossible)", path: Self.headHeld, event: .upstreamHead(),
                action: .failConnection("second upstream response head"), state: "closing"),
            Row(name: "part before the head (impossible)", path: Self.forwardingGet, event: .upstreamPart(1),
                action: .failConnection("upstream body part before its head"), state: "closing"),
            Row(name: "end before the head (impossible)", path: Self.forwardingGet, event: .upstreamEnd(),
                action: .failConnection("upstream end before its head"), state: "closing"),
        ])
    }

    func testAnsweringAndClosing() {
        check([
            Row(name: "rest of the body dropped", path: Self.answering, event: .part(3), action: .none, state: "answering(close: true)"),
            Row(name: "end of a body answered with a close", path: Self.answering, event: .end, action: .closeWhenWritten, state: "idle"),
            Row(name: "end of a GET answered", path: Self.deciding + [.answer(forceClose: false)], event: .end, action: .none, state: "idle"),
            Row(name: "read while answering", path: Self.answering, event: .read, action: .read, state: "answering(close: true)"),
            Row(name: "half-close while answering", path: Self.answering, event: .inputClosed,
                action: .closeWhenWritten, state: "answering(close: true)"),
            Row(name: "second answer (impossible)", path: Self.answering, event: .answer(forceClose: true),
                action: .failConnection("answer with no request to answer"), state: "closing"),
            Row(name: "head after a close (dropped)", path: [.cut], event: .head(), action: .drop, state: "closing"),
            Row(name: "part after a close", path: [.cut], event: .part(1), action: .none, state: "closing"),
            Row(name: "end after a close", path: [.cut], event: .end, action: .none, state: "closing"),
            Row(name: "lingering read", path: [.cut], event: .read, action: .read, state: "closing"),
            Row(name: "late upstream end", path: Self.forwardingGet + [.cut], event: .upstreamEnd(), action: .drop, state: "closing"),
            Row(name: "cut with reads held", path: Self.readsHeld + [.read], event: .cut,
                action: .cut(.init(phase: true, read: true)), state: "closing"),
            Row(name: "cut during the key wait", path: Self.awaitingKeys, event: .cut,
                action: .cut(.init(phase: true, read: false)), state: "closing"),
        ])
    }

    func testQueries() {
        let record = Record()
        var machine = Machine()
        XCTAssertTrue(machine.canAnswer)
        XCTAssertTrue(machine.requestEnded)
        XCTAssertNil(machine.exchange)
        _ = machine.requestHead(record, expectsBody: false, expectsContinue: false, closeRequested: false)
        XCTAssertTrue(machine.exchange === record)
        XCTAssertFalse(machine.isForwarding(record))
        _ = machine.allow()
        XCTAssertTrue(machine.isForwarding(record))
        XCTAssertFalse(machine.isForwarding(Record()))
        XCTAssertFalse(machine.requestEnded)
        _ = machine.requestEnd()
        XCTAssertTrue(machine.requestEnded)
        XCTAssertFalse(machine.responseHeadCloses)
        machine.drain()
        XCTAssertTrue(machine.responseHeadCloses)
        _ = machine.upstreamHead(record, Self.responseHead, bytesLeft: nil, closes: true)
        XCTAssertTrue(machine.canAnswer)
        XCTAssertFalse(machine.responseStarted)
        _ = machine.upstreamBatchEnd(record)
        XCTAssertTrue(machine.responseStarted)
        XCTAssertFalse(machine.canAnswer)
        _ = machine.upstreamEnd(record)
        XCTAssertTrue(machine.isClosing)
        XCTAssertNil(machine.exchange)
    }
}
