import Testing
@testable import ScopeGateCore


@Suite("Auth: BearerCredentials")
struct AuthBearerCredentialsTests {
    static let cases: [(String, [String], BearerCredentials)] = [
        ("no Authorization header", [], .none),
        ("Bearer token", ["Bearer abc.def.ghi"], .token("abc.def.ghi")),
        ("lower-case bearer", ["bearer abc.def.ghi"], .token("abc.def.ghi")),
        ("mixed-case BeArEr", ["BeArEr abc"], .token("abc")),
        ("extra spaces after scheme", ["Bearer    abc.def"], .token("abc.def")),
        ("leading and trailing OWS", [" \tBearer abc \t"], .token("abc")),
        ("token68 with padding and symbols", ["Bearer a-b._c~d+e/f=="], .token("a-b._c~d+e/f==")),
        ("two Authorization headers", ["Bearer abc", "Bearer abc"], .invalid),
        ("two headers, one Basic", ["Basic dXNlcjpwYXNz", "Bearer abc"], .invalid),
        ("Basic scheme", ["Basic dXNlcjpwYXNz"], .none),
        ("Digest scheme with params", ["Digest username=\"u\", realm=\"r\""], .none),
        ("empty value", [""], .invalid),
        ("only spaces", ["   "], .invalid),
        ("Bearer without token", ["Bearer"], .invalid),
        ("Bearer with only spaces", ["Bearer   "], .invalid),
        ("tab separator", ["Bearer\tabc"], .invalid),
        ("two tokens", ["Bearer abc def"], .invalid),
        ("padding in the middle", ["Bearer ab=c"], .invalid),
        ("only padding", ["Bearer ==="], .invalid),
        ("comma after token", ["Bearer abc,"], .invalid),
        ("non-ASCII in token", ["Bearer abcé"], .invalid),
        ("scheme is not a token", ["@bearer abc"], .invalid),
        ("scheme glued to a quote", ["Bearer\"abc\""], .invalid),
    ]

    @Test("Authorization header", arguments: cases)
    func extract(_ name: String, _ values: [String], _ expected: BearerCredentials) {
        #expect(BearerCredentials(authorizationHeaderValues: values) == expected)
    }

    /// Every byte value, against the RFC 9110 §11.2 set spelled out: the bit-mask check
    /// must accept exactly `ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/"` (and `=` only
    /// as trailing padding), nothing at or above 128, nothing next to a 64-bit boundary.
    @Test("token68 accepts exactly its characters, byte by byte")
    func token68EveryByte() {
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/".utf8)
        for value in 0...255 {
            let byte = UInt8(value)
            let inMiddle: [UInt8] = [UInt8(ascii: "a"), byte, UInt8(ascii: "b")]
            #expect(BearerCredentials.isToken68(inMiddle[...]) == allowed.contains(byte), "byte \(value)")
            #expect(BearerCredentials.isToken68([byte][...]) == allowed.contains(byte), "byte \(value) alone")
            let afterPadding: [UInt8] = [UInt8(ascii: "a"), UInt8(ascii: "="), byte]
            #expect(BearerCredentials.isToken68(afterPadding[...]) == (byte == UInt8(ascii: "=")), "byte \(value) after =")
        }
    }

    @Test("a JWT-sized token is taken whole from the header")
    func longToken() {
        let token = String(repeating: "eyJhbGciOiJSUzI1NiJ9", count: 40) + ".abc_-.x-y_z"
        #expect(BearerCredentials(authorizationHeaderValues: ["Bearer " + token]) == .token(token))
        #expect(BearerCredentials(authorizationHeaderValues: ["Bearer " + token + "\u{7F}"]) == .invalid)
    }
}
