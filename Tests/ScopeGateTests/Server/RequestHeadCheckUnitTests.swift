import Testing
@_spi(Fuzzing) @testable import ScopeGateServer


@Suite("Server: RequestHeadCheck rules")
struct RequestHeadCheckUnitTests {
    @Test("Content-Length: digits, whitespace around them allowed (RFC 9110 §8.6, §5.5)")
    func contentLength() {
        #expect(RequestHeadCheck.contentLength("11") == 11)
        #expect(RequestHeadCheck.contentLength("11 ") == 11)
        #expect(RequestHeadCheck.contentLength("\t 0011\t") == 11)
        for bad in ["", " ", "+5", "-5", "0x5", "5.0", "5 5", "5,5", "1e3", "99999999999999999999999"] {
            #expect(RequestHeadCheck.contentLength(bad) == nil, "\(bad)")
        }
    }

    @Test("Host: name, IPv4 or [IPv6] with an optional port up to 65535")
    func host() {
        for good in ["a", "gateway.test", "GATEWAY.Test:8080", "127.0.0.1:65535", "[::1]", "[2001:db8::1]:443", "my_host~1"] {
            #expect(RequestHeadCheck.isValidHost(good), "\(good)")
        }
        for bad in ["", ":80", "a:", "a:65536", "a:123456", "a:8o", "a b", "a,b", "a@b", "a/b", "a?b", "[]", "[zz]", "[::1",
                    "[::1]x", "é.example", "a\u{7F}"] {
            #expect(!RequestHeadCheck.isValidHost(bad), "\(bad)")
        }
    }

    @Test("absolute-form authority, lower-cased")
    func authority() {
        #expect(RequestHeadCheck.absoluteFormAuthority("http://Good.Example:8080/x?y")?.authority == "good.example:8080")
        #expect(RequestHeadCheck.absoluteFormAuthority("HTTPS://h")?.scheme == "https")
        #expect(RequestHeadCheck.absoluteFormAuthority("https://h")?.authority == "h")
        #expect(RequestHeadCheck.absoluteFormAuthority("/x") == nil)
        // Equivalent spellings (RFC 9110 §4.2.3): default port, empty port, one trailing dot.
        let canonical = { (authority: String, scheme: String) in RequestHeadCheck.canonicalAuthority(authority, scheme: scheme) }
        #expect(canonical("api.example.com:80", "http") == "api.example.com")
        #expect(canonical("api.example.com:", "http") == "api.example.com")
        #expect(canonical("api.example.com:443", "https") == "api.example.com")
        #expect(canonical("api.example.com:443", "http") == "api.example.com:443")
        #expect(canonical("api.example.com.", "http") == "api.example.com")
        #expect(canonical("[::1]:80", "http") == "[::1]")
        #expect(canonical("[::1]", "http") == "[::1]")
    }

    @Test("_method query parameter, any case, & or ; separated, escaped")
    func methodParameter() {
        for uri in ["/a?_method=DELETE", "/a?x=1&_METHOD=put", "/a?x=1;_method=put", "/a?%5Fmethod=x", "/a?_method",
                    "/a?.method=DELETE", "/a?[method=DELETE", "/a?_method[]=x"] {
            #expect(RequestHeadCheck.hasMethodParameter(uri), "\(uri)")
        }
        for uri in ["/a", "/a?method=x", "/a?_methods=x", "/a?x=_method", "/_method"] {
            #expect(!RequestHeadCheck.hasMethodParameter(uri), "\(uri)")
        }
    }

    @Test("U+FFFD found anywhere, 0xEF alone is not it")
    func replacementCharacter() {
        #expect(RequestHeadCheck.containsReplacementCharacter("\u{FFFD}"))
        #expect(RequestHeadCheck.containsReplacementCharacter("caf\u{FFFD}"))
        #expect(RequestHeadCheck.containsReplacementCharacter("\u{FFFD}abc"))
        #expect(!RequestHeadCheck.containsReplacementCharacter("caf\u{E9} \u{FEFF} \u{FFFC} \u{FFFE}"))
        #expect(!RequestHeadCheck.containsReplacementCharacter(String(repeating: "a", count: 700)))
        #expect(!RequestHeadCheck.containsReplacementCharacter(""))
    }
}
