import FuzzSupport
import ScopeGateCore

/// The bearer credentials (RFC 6750 §2.1, RFC 9110 §11.6.2) and the token's location
/// (the `Authorization` values and the `access_token` query parameter, RFC 6750 §2.3).
/// Input: the raw query, then each header value, separated by NUL bytes.
/// Invariants: a found token is one non-empty token68 (no white space, no CR/LF); one found in
/// the query is gone from the query the gateway forwards.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBearer(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let pieces = FuzzInput.split(UnsafeRawBufferPointer(start: data, count: size), at: 0).map {
        String(decoding: $0, as: UTF8.self)
    }
    let query = pieces.first.flatMap { $0.isEmpty ? nil : $0 }
    let values = Array(pieces.dropFirst())
    if case .token(let token) = BearerCredentials(authorizationHeaderValues: values) {
        FuzzInvariant.require(isToken68(token), "bearer token \(token.debugDescription) is not token68")
    }
    let extractor = FuzzFixture.shared.policy.extractor
    switch extractor.extract(headerValues: values, rawQuery: query) {
    case .token(let token, let fromQuery):
        FuzzInvariant.require(!token.isEmpty && FuzzInvariant.isSafeFieldValue(token), "token \(token.debugDescription)")
        if fromQuery, let query {
            let rest = TokenExtractor.removingParameter("access_token", fromQuery: query)
            let names = (rest ?? "").split(separator: "&").map { $0.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)[0] }
            FuzzInvariant.require(!names.contains("access_token"), "access_token left in \(rest.debugDescription)")
        }
    case .none, .invalid:
        break
    }
    if let query { _ = extractor.queryHasLookAlike(query) }
    return 0
}

/// RFC 7235 §2.1 token68: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
private func isToken68(_ text: String) -> Bool {
    let bytes = Array(text.utf8)
    guard let firstPad = bytes.firstIndex(of: UInt8(ascii: "=")) ?? Optional(bytes.count), firstPad > 0 else { return false }
    let body = bytes[..<firstPad].allSatisfy { byte in
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return Array("-._~+/".utf8).contains(byte)
        }
    }
    return body && bytes[firstPad...].allSatisfy { $0 == UInt8(ascii: "=") }
}
