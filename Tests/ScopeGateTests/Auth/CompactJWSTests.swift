import Testing
@testable import ScopeGateCore
@testable import ScopeGateDemo


@Suite("Auth: CompactJWS")
struct AuthCompactJWSTests {
    /// `{"alg":"RS256","kid":"k"}` . `{"sub":"s"}` . bytes 1 2 3
    static let header = TokenMinter.base64URL(Array(#"{"alg":"RS256","kid":"k"}"#.utf8))
    static let payload = TokenMinter.base64URL(Array(#"{"sub":"s"}"#.utf8))
    static let signature = TokenMinter.base64URL([1, 2, 3])
    static let valid = [header, payload, signature].joined(separator: ".")

    @Test("well-formed token splits into header, payload, signing input and signature")
    func wellFormed() throws {
        let jws = try CompactJWS.parse(Self.valid, maxBytes: 8192)
        #expect(jws.header == ["alg": .string("RS256"), "kid": .string("k")])
        #expect(jws.payload == ["sub": .string("s")])
        #expect(jws.signature == [1, 2, 3])
        #expect(jws.signingInput == Array("\(Self.header).\(Self.payload)".utf8))
    }

    static let malformed: [(String, String)] = [
        ("2 parts", "\(header).\(payload)"),
        ("4 parts", "\(valid).\(signature)"),
        ("empty header", ".\(payload).\(signature)"),
        ("empty payload", "\(header)..\(signature)"),
        ("empty signature", "\(header).\(payload)."),
        ("padding in signature", "\(valid)="),
        ("padding in header", "\(TokenMinter.base64URL(Array(#"{"alg":"RS256"}"#.utf8)))=.\(payload).\(signature)"),
        ("bad base64 character", "\(header).\(payload).AQ*D"),
        ("standard base64 plus", "\(header).\(payload).+/8A"),
        ("whitespace inside", "\(header).\(payload) .\(signature)"),
        ("base64 length 1 mod 4", "\(header).\(payload).AQIDB"),
        ("non-canonical trailing bits", "\(header).\(payload).AQJ"),
        ("non-JSON header", "\(TokenMinter.base64URL(Array("not json".utf8))).\(payload).\(signature)"),
        ("header is a JSON array", "\(TokenMinter.base64URL(Array("[1]".utf8))).\(payload).\(signature)"),
        ("payload is a JSON string", "\(header).\(TokenMinter.base64URL(Array(#""s""#.utf8))).\(signature)"),
        ("empty string", ""),
        ("only dots", ".."),
    ]

    @Test("malformed token", arguments: malformed)
    func malformedToken(_ name: String, _ token: String) {
        #expect(throws: TokenRejection.self) { try CompactJWS.parse(token, maxBytes: 8192) }
        do {
            _ = try CompactJWS.parse(token, maxBytes: 8192)
        } catch {
            #expect(error.reason == .malformedToken)
        }
    }

    @Test("oversize token is malformed")
    func oversize() {
        #expect(throws: TokenRejection(.malformedToken, "token is longer than 20 bytes")) {
            try CompactJWS.parse(Self.valid, maxBytes: 20)
        }
    }

    @Test("header with crit is malformed")
    func crit() {
        #expect(throws: TokenRejection.self) {
            try JOSEHeader(["alg": .string("RS256"), "crit": .array([.string("exp")])])
        }
    }
}

@Suite("Auth: Base64URL")
struct AuthBase64URLTests {
    @Test("round trip of every length up to 20")
    func roundTrip() {
        for length in 0...20 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 250) }
            #expect(Base64URL.decode(Array(Base64URL.encode(bytes).utf8)) == bytes)
        }
    }

    @Test("known vectors (RFC 4648 §10, url alphabet, no padding)")
    func vectors() {
        #expect(Base64URL.encode(Array("foobar".utf8)) == "Zm9vYmFy")
        #expect(Base64URL.encode(Array("fo".utf8)) == "Zm8")
        #expect(Base64URL.encode([0xFB, 0xFF]) == "-_8")
        #expect(Base64URL.decode(Array("-_8".utf8)) == [0xFB, 0xFF])
        #expect(Base64URL.decode(Array("Zm8=".utf8)) == nil)
    }

    @Test("refused: a length of 4n+1, characters outside the url alphabet, non-zero leftover bits")
    func refused() {
        for text in ["Z", "Zm9vY", "Zm+v", "Zm/v", "Zm9v Zm9v", "Zm9=", "Zm9", "Zn", "Zm9vYmFy\n", "Zm9vYmF!"] {
            #expect(Base64URL.decode(Array(text.utf8)) == nil, "\(text)")
        }
        #expect(Base64URL.decode(Array("Zm9vYmE".utf8)) == Array("fooba".utf8))
        #expect(Base64URL.decode(Array("Zg".utf8)) == Array("f".utf8))
        #expect(Base64URL.decode([UInt8]()) == [])
        let all = (0..<256).map { UInt8($0) }
        #expect(Base64URL.decode(Array(Base64URL.encode(all).utf8)[...]) == all)
    }
}
