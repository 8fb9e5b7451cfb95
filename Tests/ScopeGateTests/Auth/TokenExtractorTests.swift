import Testing

@testable import ScopeGate

@Suite("Auth: TokenExtractor")
struct AuthTokenExtractorTests {
    static let bearer = TokenLocationConfig()
    static let bearerAndQuery = TokenLocationConfig(queryParameter: "access_token")
    static let custom = TokenLocationConfig(header: "X-Access-Token")

    static let cases: [(String, TokenLocationConfig, [String], String?, TokenExtraction)] = [
        ("Authorization Bearer", bearer, ["Bearer abc.def.ghi"], nil, .token("abc.def.ghi", fromQuery: false)),
        ("no header, no query", bearer, [], nil, .none),
        ("two Authorization headers", bearer, ["Bearer a", "Bearer a"], nil, .invalid),
        ("Basic scheme only", bearer, ["Basic dXNlcjpwYXNz"], nil, .none),
        ("query parameter not configured: ignored", bearer, [], "access_token=abc", .none),
        ("query parameter configured", bearerAndQuery, [], "x=1&access_token=abc.def&y=2", .token("abc.def", fromQuery: true)),
        ("query parameter percent-encoded", bearerAndQuery, [], "access_token=abc%2Edef", .token("abc.def", fromQuery: true)),
        ("query parameter twice", bearerAndQuery, [], "access_token=abc&access_token=abc", .invalid),
        ("query parameter empty", bearerAndQuery, [], "access_token=", .invalid),
        ("query parameter without value", bearerAndQuery, [], "access_token", .invalid),
        ("query parameter with a space", bearerAndQuery, [], "access_token=a+b", .invalid),
        ("header and query", bearerAndQuery, ["Bearer abc"], "access_token=abc", .invalid),
        ("header, query without the parameter", bearerAndQuery, ["Bearer abc"], "page=2", .token("abc", fromQuery: false)),
        ("Basic header and query token", bearerAndQuery, ["Basic dXNlcjpwYXNz"], "access_token=abc", .token("abc", fromQuery: true)),
        ("similar parameter name", bearerAndQuery, [], "access_token_x=abc", .none),
        ("custom header", custom, ["abc.def.ghi"], nil, .token("abc.def.ghi", fromQuery: false)),
        ("custom header with OWS", custom, [" abc.def "], nil, .token("abc.def", fromQuery: false)),
        ("custom header with Bearer prefix", custom, ["Bearer abc"], nil, .invalid),
        ("custom header twice", custom, ["a", "b"], nil, .invalid),
        ("custom header empty", custom, [""], nil, .invalid),
    ]

    @Test("extract", arguments: cases)
    func extract(_ name: String, _ location: TokenLocationConfig, _ headers: [String], _ query: String?, _ expected: TokenExtraction) {
        #expect(TokenExtractor(location).extract(headerValues: headers, rawQuery: query) == expected, "\(name)")
    }

    static let removals: [(String, String?)] = [
        ("access_token=abc", nil),
        ("a=1&access_token=abc&b=2", "a=1&b=2"),
        ("access_token=x&a=1&access%5Ftoken=y", "a=1"),
        ("a=1&b=%20", "a=1&b=%20"),
        ("a=1&&b=2", "a=1&&b=2"),
    ]

    @Test("removingParameter", arguments: removals)
    func removing(_ query: String, _ expected: String?) {
        #expect(TokenExtractor.removingParameter("access_token", fromQuery: query) == expected)
    }
}
