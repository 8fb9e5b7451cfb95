import FuzzSupport
import NIOCore
import NIOEmbedded
import NIOHTTP1
@_spi(Fuzzing) import ScopeGateUpstream

/// A backend's response head as libcurl hands it over, one line per call (RFC 9112 §4, §5;
/// interim 1xx blocks, obs-fold, trailers), through ``ResponseHeadParser``; the head it
/// produces is then written to a client by NIO's encoder, as the gateway relays it.
///
/// Invariants: every field kept has a token name and a value without CR, LF or NUL (nothing
/// the backend sends can split the response the client reads); no hop-by-hop field is kept;
/// at most one `Content-Length`, a decimal number, and none beside `Transfer-Encoding`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzResponseHead(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var parser = ResponseHeadParser()
    var head: UpstreamResponseHead?
    for line in FuzzInput.lines(UnsafeRawBufferPointer(start: data, count: size)) {
        if let found = parser.feed(line) { head = found }
        if parser.violation != nil { break }
    }
    guard let head else { return 0 }
    FuzzInvariant.require(parser.isComplete && head.status >= 200, "head with status \(head.status) before the final block ended")
    var lengths = 0
    for field in head.headers {
        FuzzInvariant.require(FuzzInvariant.isToken(field.name), "field name \(field.name.debugDescription) is not a token")
        FuzzInvariant.require(FuzzInvariant.isSafeFieldValue(field.value), "field value \(field.value.debugDescription) could split the response")
        let name = field.name.lowercased()
        FuzzInvariant.require(!HopByHopHeaders.alwaysRemoved.contains { $0.lowercased() == name }, "hop-by-hop field \(field.name) kept")
        if name == "content-length" {
            lengths += 1
            FuzzInvariant.require(!field.value.isEmpty && field.value.utf8.allSatisfy { (48...57).contains($0) },
                                  "Content-Length \(field.value.debugDescription) forwarded")
        }
    }
    FuzzInvariant.require(lengths <= 1, "\(lengths) Content-Length fields forwarded")
    guard head.framingError == nil, (200...599).contains(head.status) else { return 0 }
    var headers = HTTPHeaders()
    for field in head.headers { headers.add(name: field.name, value: field.value) }
    let channel = EmbeddedChannel()
    defer { _ = try? channel.finish() }
    do {
        try channel.pipeline.syncOperations.addHandler(HTTPResponseEncoder())
        try channel.writeOutbound(HTTPServerResponsePart.head(
            HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: head.status), headers: headers)))
        try channel.writeOutbound(HTTPServerResponsePart.end(nil))
    } catch {
        FuzzInvariant.require(false, "NIO could not write the head: \(error)")
    }
    return 0
}
