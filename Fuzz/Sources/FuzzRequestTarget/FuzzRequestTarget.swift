import FuzzSupport
import ScopeGateCore

/// The request target and its path normaliser (RFC 9112 §3.2, RFC 3986 §5.2.4, §6.2.2), then
/// the route lookup on the result. Invariants: a normalised path starts with `/`, has no empty
/// or dot segment, normalises to itself (the backend, normalising again, sees the path the
/// policy decided on), and the route found for it is the one found for its re-parse.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequestTarget(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let raw = FuzzInput.text(UnsafeRawBufferPointer(start: data, count: size))
    guard case .success(let target) = RequestTarget.parse(raw) else { return 0 }
    let path = target.path
    FuzzInvariant.require(path.utf8.first == UInt8(ascii: "/"), "path \(path.debugDescription) does not start with /")
    let segments = path.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).dropFirst()
    for (index, segment) in segments.enumerated() {
        let text = String(decoding: segment, as: UTF8.self)
        FuzzInvariant.require(text != "." && text != "..", "dot segment left in \(path.debugDescription)")
        FuzzInvariant.require(!text.isEmpty || index == segments.count - 1, "empty segment in \(path.debugDescription)")
    }
    FuzzInvariant.require(!path.utf8.contains { $0 < 0x21 || $0 > 0x7E },
                          "path \(path.debugDescription) holds a byte outside visible ASCII")
    let again = RequestTarget.parse(target.pathAndQuery)
    FuzzInvariant.require(again == .success(target),
                          "\(raw.debugDescription) normalises to \(target.pathAndQuery.debugDescription), which normalises to \(again)")
    let routes = FuzzFixture.shared.policy.routes
    let route = routes.match(path: path)
    _ = routes.caseVariant(of: path, matched: route)
    return 0
}
