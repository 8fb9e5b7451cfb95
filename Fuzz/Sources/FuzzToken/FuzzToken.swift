import Foundation
import FuzzSupport
import ScopeGateCore

/// The whole verification of a bearer token (RFC 7515 §5.2, RFC 7519 §7.2, RFC 8725,
/// RFC 9068 §4) against a real key set, then the access decision on it.
///
/// Input, by its first byte: even, the rest is the token text as a client sends it; odd, the
/// rest is a JOSE header and a payload separated by the first NUL byte, which the target signs
/// with one of the fixture's keys (bits 1-3 choose HS256, ES256, EdDSA or, rarely, RS256), so
/// the claims behind a valid signature are fuzzed too.
///
/// Invariants on an accepted token: its issuer is the configured one, it has not expired
/// (allowing the clock skew), its `sub` and client claim are safe in a header, every granted
/// scope is an RFC 6749 §3.3 scope-token; the verdict is the same when the token is verified
/// again (from the verification cache); an allowed GET carries the scope the route needs, and
/// its claim headers are the token's values, in the configured order, each a safe field value.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzToken(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard size > 0, let data else { return 0 }
    let fixture = FuzzFixture.shared
    let selector = data[0]
    let rest = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    let token: String
    if selector & 1 == 0 {
        token = FuzzInput.text(rest)
    } else {
        let parts = Array(rest).split(separator: 0, maxSplits: 1, omittingEmptySubsequences: false)
        let header = Array(parts[0]), payload = parts.count > 1 ? Array(parts[1]) : []
        let signerIndex = [0, 0, 1, 2, 0, 1, 2, 3][Int(selector >> 1) & 7]
        guard let signed = try? fixture.signers[signerIndex].signer.sign(headerJSON: header, payloadJSON: payload) else {
            return 0
        }
        token = signed
    }
    let verifier = fixture.policy.verifier
    let first = verifier.verify(token, now: FuzzFixture.now)
    let second = verifier.verify(token, now: FuzzFixture.now)
    switch (first, second) {
    case (.verified(let verified), .verified(let again)):
        FuzzInvariant.require(verified == again, "second verification differs: \(verified) then \(again)")
        check(verified, skew: fixture.config.api.clockSkewSeconds)
    case (.rejected(let rejection), .rejected(let again)):
        FuzzInvariant.require(rejection.reason == again.reason, "second verification differs: \(rejection) then \(again)")
    case (.awaitingKeys, _), (_, .awaitingKeys):
        FuzzInvariant.require(false, "waits for keys, though the fixture's key source is a file: \(first) then \(second)")
    default:
        FuzzInvariant.require(false, "second verification differs: \(first) then \(second)")
    }
    let request = AccessRequest(method: "GET", target: "/appointments/1", tokenHeaderValues: ["Bearer " + token])
    guard case .decided(let decision) = fixture.policy.decide(request, now: FuzzFixture.now) else {
        FuzzInvariant.require(false, "the decision waits for keys, though the fixture's key source is a file")
        return 0
    }
    if case .allow(let allowance) = decision {
        FuzzInvariant.require(allowance.token?.grantedScopes.contains("read:appointments") == true,
                              "GET /appointments allowed without read:appointments: \(allowance)")
        // What is allowed is what is forwarded: the claim headers are the token's own values.
        if let token = allowance.token {
            let expected = [("X-Client", token.clientID), ("X-Issuer", token.issuer),
                            ("X-Scopes", token.grantedScopes.joined(separator: " ")), ("X-User", token.subject)]
                .compactMap { name, value in value.map { ClaimHeader(name, $0) } }
            FuzzInvariant.require(allowance.claimHeaders == expected, "claim headers \(allowance.claimHeaders) for \(token)")
            for header in allowance.claimHeaders {
                FuzzInvariant.require(FuzzInvariant.isSafeFieldValue(header.value), "claim header \(header)")
            }
        }
    }
    return 0
}

private func check(_ token: VerifiedToken, skew: Int) {
    FuzzInvariant.require(token.issuer == FuzzFixture.issuer, "accepted issuer \(token.issuer.debugDescription)")
    if let expiry = token.expiresAt {
        FuzzInvariant.require(expiry.timeIntervalSince(FuzzFixture.now) > -Double(skew), "accepted a token that expired at \(expiry)")
    }
    for value in [token.subject, token.clientID].compactMap({ $0 }) {
        FuzzInvariant.require(isHeaderSafe(value), "claim \(value.debugDescription) is not safe in a header")
    }
    for scope in token.grantedScopes {
        FuzzInvariant.require(!scope.isEmpty && scope.utf8.allSatisfy { $0 == 0x21 || (0x23...0x5B).contains($0) || (0x5D...0x7E).contains($0) },
                              "granted scope \(scope.debugDescription) is not a scope-token")
    }
}

/// No C0 control but an inner HTAB, no DEL or C1, no U+2028/2029, no white space at an edge
/// (what ``Claims`` promises for `sub` and the client claim).
private func isHeaderSafe(_ value: String) -> Bool {
    let scalars = Array(value.unicodeScalars)
    if let first = scalars.first, let last = scalars.last,
       first.properties.isWhitespace || last.properties.isWhitespace { return false }
    return !scalars.contains { scalar in
        (scalar.value < 0x20 && scalar != "\t") || (0x7F...0x9F).contains(scalar.value) || scalar.value == 0x2028 || scalar.value == 0x2029
    }
}
