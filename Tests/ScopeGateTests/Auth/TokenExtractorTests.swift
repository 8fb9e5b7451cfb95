import Testing
@testable import ScopeGateCore


@Suite("Auth: TokenExtractor")
struct AuthTokenExtractorTests {
    static let bearer = TokenLocationConfig()
    static let bearerAndQuery = TokenLocationConfig(queryParameter: "access_token")
    static let custom = TokenLocationConfig(header: "X-Access-Token")
    static let dotted = TokenLocationConfig(queryParameter: "access.token")

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
        // Look-alikes a backend may read as access_token (parameter cloaking): 400, with or
        // without a valid header token, never forwarded unchecked.
        ("look-alike: after ; (Rack < 3, parse_qs, CVE-2021-23336)", bearerAndQuery, [], "x=1;access_token=FORGED", .invalid),
        ("look-alike: after ;, header token", bearerAndQuery, ["Bearer abc"], "x=1;access_token=FORGED", .invalid),
        ("look-alike: ; after the value", bearerAndQuery, [], "access_token=abc;x=1", .invalid),
        ("look-alike: . for _ (PHP)", bearerAndQuery, ["Bearer abc"], "access.token=FORGED", .invalid),
        ("look-alike: %2E for _ (PHP)", bearerAndQuery, [], "access%2Etoken=FORGED", .invalid),
        ("look-alike: %20 for _ (PHP)", bearerAndQuery, ["Bearer abc"], "access%20token=FORGED", .invalid),
        ("look-alike: + for _ (PHP)", bearerAndQuery, [], "access+token=FORGED", .invalid),
        ("look-alike: %2B for _", bearerAndQuery, [], "access%2Btoken=FORGED", .invalid),
        ("look-alike: array (PHP)", bearerAndQuery, ["Bearer abc"], "access_token[]=FORGED", .invalid),
        ("look-alike: encoded array (PHP)", bearerAndQuery, [], "access_token%5Bx%5D=FORGED", .invalid),
        ("look-alike: unclosed [ for _ (PHP)", bearerAndQuery, [], "access[token=FORGED", .invalid),
        ("look-alike: leading space (PHP)", bearerAndQuery, [], "%20access_token=FORGED", .invalid),
        ("look-alike: cut at NUL (PHP)", bearerAndQuery, [], "access_token%00x=FORGED", .invalid),
        ("look-alike: letter case (ASP.NET)", bearerAndQuery, ["Bearer abc"], "Access_Token=FORGED", .invalid),
        ("look-alike: upper case", bearerAndQuery, [], "a=1&ACCESS_TOKEN=FORGED", .invalid),
        ("look-alike: long s folds to s", bearerAndQuery, [], "acce%C5%BFs_token=FORGED", .invalid),
        ("look-alike beside the exact one", bearerAndQuery, [], "access_token=abc&Access_Token=FORGED", .invalid),
        ("look-alike without a value", bearerAndQuery, ["Bearer abc"], "x=1;access_token", .invalid),
        ("still a token: exact name after other pairs", bearerAndQuery, [], "a=1&access_token=T", .token("T", fromQuery: true)),
        ("still a token: ; in another pair", bearerAndQuery, [], "q=a;b&access_token=T", .token("T", fromQuery: true)),
        ("still a token: name percent-encoded exactly", bearerAndQuery, [], "access%5Ftoken=T", .token("T", fromQuery: true)),
        ("still nothing: longer name", bearerAndQuery, [], "access_tokens=x", .none),
        ("still nothing: name as a value", bearerAndQuery, [], "x=access_token", .none),
        ("still nothing: name as a value after ;", bearerAndQuery, ["Bearer abc"], "x=1;y=access_token", .token("abc", fromQuery: false)),
        ("still nothing: array of another name", bearerAndQuery, [], "access[token]=x", .none),
        ("not configured: look-alikes ignored", bearer, ["Bearer abc"], "x=1;access_token=a&Access_Token=b", .token("abc", fromQuery: false)),
        ("configured with a dot: exact", dotted, [], "access.token=T", .token("T", fromQuery: true)),
        ("configured with a dot: _ is a look-alike", dotted, [], "access_token=T", .invalid),
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
