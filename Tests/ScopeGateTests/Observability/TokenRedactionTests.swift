import Testing
@testable import ScopeGateObservability


@Suite("Observability: TokenRedaction")
struct TokenRedactionTests {
    static let jws = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"

    @Test("token-shaped runs are replaced wherever they sit")
    func redacted() {
        #expect(TokenRedaction.redacting("/nothing/\(Self.jws)") == "/nothing/[redacted]")
        #expect(TokenRedaction.redacting("/appointments;access_token=\(Self.jws)") == "/appointments;access_token=[redacted]")
        #expect(TokenRedaction.redacting("/a/\(Self.jws)/b/\(Self.jws)") == "/a/[redacted]/b/[redacted]")
        // Dots percent-encoded, an unsigned token (empty third part), a JWE (five parts).
        let encoded = Self.jws.replacingOccurrences(of: ".", with: "%2E")
        #expect(TokenRedaction.redacting("/x/\(encoded)") == "/x/[redacted]")
        // Encoded twice or more (found by the lifecycle passes: `%252E`, then `%25252E`, reached the access log).
        for twice in ["%252E", "%252e", "%25252E", "%2525252e"] {
            #expect(TokenRedaction.redacting("/x/\(Self.jws.replacingOccurrences(of: ".", with: twice))") == "/x/[redacted]")
        }
        // Other separators: header and claims never survive (the signature alone is no token).
        let pieces = Self.jws.split(separator: ".").map(String.init)
        for separator in ["~", "%EF%BC%8E", "/", "%7E"] {
            let redacted = TokenRedaction.redacting("/x/\(pieces.joined(separator: separator))")
            #expect(!redacted.contains(pieces[0]) && !redacted.contains(pieces[1]), "\(separator): \(redacted)")
        }
        let parts = Self.jws.split(separator: ".")
        #expect(TokenRedaction.redacting("\(parts[0]).\(parts[1]).") == "[redacted]")
        #expect(TokenRedaction.redacting("\(parts[0])..\(parts[1]).\(parts[2]).\(parts[2])") == "[redacted]")
        #expect(TokenRedaction.redacting("id-\(Self.jws)") != "id-\(Self.jws)")
    }

    @Test("ordinary paths and IDs keep their text")
    func kept() {
        for text in ["/appointments/42", "/assets/app.3f8a9c2b1d4e5f60a7b8.min.js", "/files/archive.2024.tar.gz",
                     "/v1/550e8400-e29b-41d4-a716-446655440000.json", "9f1c0e4a-6b2d-4c8e-a1f3-0d5e7b9c2a64",
                     "/commits/da39a3ee5e6b4b0d3255bfef95601890afd80709", "", "/", "%2", "a%2", "%25", "%252", "/a%252Fb", "/key/eyJ", "/keys/eyJhbGci"] {
            #expect(TokenRedaction.redacting(text) == text, "\(text)")
        }
    }
}
