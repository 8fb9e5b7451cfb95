import FuzzSupport
import NIOCore
import NIOEmbedded
import NIOHTTP1
import ScopeGateCore
@_spi(Fuzzing) import ScopeGateServer
@_spi(Fuzzing) import ScopeGateUpstream

/// A client's bytes as the public listener reads them: NIO's HTTP/1.1 request decoder, then,
/// for every request head, what the gateway does with it before a backend sees anything: the
/// head check (limits, `Host`, framing, override headers), the access decision (request
/// target, bearer token, route, scopes, CORS) and the headers the backend would receive.
///
/// Invariants: an accepted body length is within the limit; an allowed request goes to the
/// route its normalised path matches, with a path and query that are safe on a request line;
/// the forwarded headers are well formed, hold none the gateway owns or frames itself from the
/// client, and hold the token only where the route takes one.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequestHead(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let channel = EmbeddedChannel()
    defer { _ = try? channel.finish() }
    do {
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes)))
        var buffer = channel.allocator.buffer(capacity: size)
        buffer.writeBytes(UnsafeRawBufferPointer(start: data, count: size))
        try channel.writeInbound(buffer)
    } catch {
        // NIO refused the bytes (the gateway answers 400 and closes); heads before them count.
    }
    while let part = try? channel.readInbound(as: HTTPServerRequestPart.self) {
        if case .head(let head) = part { judge(head) }
    }
    return 0
}

private let check = RequestHeadCheck(maxHeaderBytes: FuzzFixture.shared.config.limits.maxHeaderBytes,
                                     maxBodyBytes: FuzzFixture.shared.config.limits.maxBodyBytes)
private let forwarded = UpstreamHeaders(forwarding: FuzzFixture.shared.config.forwarding,
                                        tokenHeader: FuzzFixture.shared.config.api.token.header)
private let requestIDs = RequestIDGenerator()

private func judge(_ head: HTTPRequestHead) {
    let fixture = FuzzFixture.shared
    switch check.check(head) {
    case .deny:
        return
    case .accept(let framing):
        if case .length(let length) = framing {
            FuzzInvariant.require(length > 0 && length <= fixture.config.limits.maxBodyBytes, "body length \(length) accepted")
        }
    }
    let origins = head.headers["Origin"]
    var request = AccessRequest(method: head.method.rawValue, target: head.uri, tokenHeaderValues: head.headers["Authorization"])
    request.origin = origins.count == 1 ? origins[0] : nil
    if head.method == .OPTIONS {
        request.preflightMethod = head.headers.first(name: "Access-Control-Request-Method")
        request.preflightHeaders = head.headers["Access-Control-Request-Headers"]
    }
    guard case .decided(let decision) = fixture.policy.decide(request, now: FuzzFixture.now) else {
        FuzzInvariant.require(false, "the decision waits for keys, though the fixture's key source is a file")
        return
    }
    switch decision {
    case .deny(let denial):
        FuzzInvariant.require((400...599).contains(denial.status), "denial with status \(denial.status)")
        for header in denial.corsHeaders + fixture.policy.corsHeaders(origin: request.origin, target: head.uri) {
            FuzzInvariant.require(FuzzInvariant.isSafeFieldValue(header.value), "CORS header \(header)")
        }
    case .preflight(let preflight):
        _ = preflight
    case .resourceMetadata(let metadata):
        // Only GET and HEAD of exactly the metadata path (normalised) are answered with it.
        let path = (try? RequestTarget.parse(head.uri).get())?.path
        FuzzInvariant.require((head.method == .GET || head.method == .HEAD) && path == metadata.resource.metadataPath,
                              "answered \(head.method) \(head.uri.debugDescription) with the resource metadata")
    case .allow(let allowance):
        guard case .success(let target) = RequestTarget.parse(head.uri) else {
            FuzzInvariant.require(false, "allowed \(head.uri.debugDescription), whose target does not parse")
            return
        }
        // The path is the one decided on; the query is the client's, less a query-parameter token.
        FuzzInvariant.require(target.path == allowance.target.path, "decided on \(allowance.target), the target is \(target)")
        let stripped = target.query.flatMap { TokenExtractor.removingParameter("access_token", fromQuery: $0) }
        let leftover = allowance.target.query.flatMap { TokenExtractor.removingParameter("access_token", fromQuery: $0) }
        FuzzInvariant.require((allowance.target.query == target.query || allowance.target.query == stripped)
                              && (allowance.target.query == leftover || allowance.target.query == ""),
                              "forwards the query \(String(describing: allowance.target.query)) of \(target)")
        FuzzInvariant.require(fixture.policy.routes.match(path: target.path)?.prefix == allowance.route.prefix,
                              "routed to \(allowance.route.prefix) though \(target.path) matches another route")
        let line = allowance.upstreamPathAndQuery
        FuzzInvariant.require(line.utf8.first == UInt8(ascii: "/") && !line.utf8.contains { $0 <= 0x20 || $0 >= 0x7F },
                              "upstream request target \(line.debugDescription)")
        let requestID = requestIDs.requestID(fromClient: head.headers["X-Request-ID"].first)
        let fields = head.headers.map { (name: $0.name, value: $0.value) }
        for address in ["127.0.0.1", "10.1.2.3"] {
            checkForwarded(forwarded.headers(from: fields, clientAddress: address, requestID: requestID, allowance: allowance),
                           allowance: allowance)
        }
    }
}

private func checkForwarded(_ fields: [(name: String, value: String)], allowance: Allowance) {
    var forwardedFor = 0
    for field in fields {
        FuzzInvariant.require(FuzzInvariant.isToken(field.name), "forwarded field name \(field.name.debugDescription)")
        FuzzInvariant.require(FuzzInvariant.isSafeFieldValue(field.value), "forwarded \(field.name): \(field.value.debugDescription)")
        let name = field.name.lowercased()
        FuzzInvariant.require(!["host", "content-length", "transfer-encoding", "connection", "expect", "te", "upgrade",
                                "proxy-authorization", "keep-alive"].contains(name), "forwarded the client's \(field.name)")
        if name == "authorization" {
            FuzzInvariant.require(allowance.token != nil && allowance.route.forwardAuthorization,
                                  "token forwarded on a route that takes none")
        }
        if name == "x-forwarded-for" { forwardedFor += 1 }
    }
    FuzzInvariant.require(forwardedFor == 1, "\(forwardedFor) X-Forwarded-For fields")
}
