import Testing

@testable import ScopeGate

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
}
