import Foundation
import NIOPosix
import XCTest

/// Issue 12's browser acceptance: a single-page app in a real browser (headless Chromium, see
/// ``HeadlessChromium``) calls `scopegate serve` across origins with `fetch` and a bearer token.
///
/// Three loopback origins: the gateway on one port, the app's page served from a second (the
/// one `cors.allowed_origins` names) and the same page from a third (not allowed); different
/// ports on 127.0.0.1 are different origins. The page runs its calls one after the other and
/// then writes what it could read of each answer as JSON into `<pre id="result">`, marked
/// `data-state="done"`; the test reads that from the DOM Chromium dumps. Every call carries
/// `Authorization`, which is not a CORS-safelisted request header, so the browser preflights
/// each one with `OPTIONS` before it sends it.
final class CORSBrowserTests: XCTestCase {
    /// The token's only scope: enough for `/appointments`, not for `/calendar`.
    static let scope = "read:appointments"

    /// `/appointments` (GET `read:appointments`) on `served.fast`, `/calendar` (GET
    /// `read:calendar`) on `served.slow`; CORS for `allowedOrigin` only, the defaults otherwise.
    /// One event loop: a preflight's answer is counted before the request it clears is read.
    static func config(_ served: ServedGateway, allowedOrigin: String) -> String {
        """
        {
          "listen": {"host": "127.0.0.1", "port": 0, "event_loops": 1},
          "admin": {"host": "127.0.0.1", "port": 0},
          "api": {"issuer": "\(ServedGateway.issuer)", "audience": "\(ServedGateway.audience)",
                  "jwks": {"url": "\(served.jwks.url("/jwks.json"))"}},
          "backends": {"appointments": {"url": "http://127.0.0.1:\(served.fast.port)"},
                       "calendar": {"url": "http://127.0.0.1:\(served.slow.port)"}},
          "routes": [
            {"prefix": "/appointments", "backend": "appointments", "methods": {"GET": ["read:appointments"]}},
            {"prefix": "/calendar", "backend": "calendar", "methods": {"GET": ["read:calendar"]}}
          ],
          "cors": {"allowed_origins": ["\(allowedOrigin)"]},
          "log": {"denials": "stderr", "access": "stderr", "stats_interval_seconds": 0},
          "shutdown": {"drain_delay_ms": 0}
        }
        """
    }

    func testAnAllowedPageReadsTheBackendsJSONAndThe403AndAnotherOriginsCallIsBlocked() async throws {
        try HeadlessChromium.requireInstalled()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let appSite = try await JWKSTestServer(group: group)
        let otherSite = try await JWKSTestServer(group: group)
        addTeardownBlock {
            try? await appSite.stop()
            try? await otherSite.stop()
            try? await group.shutdownGracefully()
        }
        let served = try await ServedGateway.start(config: { Self.config($0, allowedOrigin: appSite.base) },
                                                   backendDelay: .milliseconds(0))
        addTeardownBlock { await served.stop() }
        let token = try await served.token(scope: Self.scope)
        let gateway = "http://127.0.0.1:\(served.port)"
        // (a) asks the echo backend to answer 500 ms late: were Chromium to dump the DOM without
        // waiting for pending fetches, the page would still say "pending" and the test would fail.
        appSite.serve("/app.html", try Self.page(gateway: gateway, token: token,
                                                 calls: [("allowed", "/appointments/42?head-delay-ms=500"), ("lacking_scope", "/calendar/today")]))
        otherSite.serve("/app.html", try Self.page(gateway: gateway, token: token, calls: [("other_origin", "/appointments/42")]))

        // (a) and (b): the page on the allowed origin.
        let app = try HeadlessChromium.dumpDOM(appSite.url("/app.html"))
        let appResult = try Self.result(of: app)
        XCTAssertEqual(appResult["origin"] as? String, appSite.base)
        let results = appResult["results"] as? [String: Any] ?? [:]

        // (a) The backend's JSON, read by the page; a header the gateway exposes is readable, the
        // backend's own X-Backend (not exposed) is hidden by the browser.
        let allowed = results["allowed"] as? [String: Any] ?? [:]
        XCTAssertEqual(allowed["outcome"] as? String, "response", "\(allowed)")
        XCTAssertEqual(allowed["status"] as? Int, 200, "\(allowed)")
        let echo = allowed["body"] as? [String: Any] ?? [:]
        XCTAssertEqual(echo["backend"] as? String, "fast", "\(allowed)")
        XCTAssertEqual(echo["method"] as? String, "GET", "\(allowed)")
        XCTAssertEqual(echo["path"] as? String, "/appointments/42", "\(allowed)")
        XCTAssertEqual(echo["query"] as? String, "head-delay-ms=500", "\(allowed)")
        XCTAssertEqual(allowed["content_type"] as? String, "application/json", "\(allowed)")
        XCTAssertNotNil(allowed["request_id"] as? String, "X-Request-Id is exposed: \(allowed)")
        XCTAssertTrue(allowed["x_backend"] is NSNull, "X-Backend is not exposed, the browser must hide it: \(allowed)")

        // (b) The gateway's 403: status, WWW-Authenticate (exposed) and the JSON body.
        let lacking = results["lacking_scope"] as? [String: Any] ?? [:]
        XCTAssertEqual(lacking["outcome"] as? String, "response", "\(lacking)")
        XCTAssertEqual(lacking["status"] as? Int, 403, "\(lacking)")
        let challenge = lacking["www_authenticate"] as? String ?? ""
        XCTAssertTrue(challenge.hasPrefix("Bearer "), challenge)
        XCTAssertTrue(challenge.contains(#"error="insufficient_scope""#), challenge)
        XCTAssertTrue(challenge.contains(#"scope="read:calendar""#), challenge)
        XCTAssertEqual((lacking["body"] as? [String: Any])?["reason"] as? String, "insufficient_scope", "\(lacking)")

        // The gateway's side of (a) and (b), in the order the page made the calls.
        let access = ServedGateway.object(try served.waitForLine(#""event":"access""#))
        XCTAssertEqual(access["path"] as? String, "/appointments/42")
        XCTAssertEqual(access["status"] as? Int, 200)
        XCTAssertEqual(access["request_id"] as? String, allowed["request_id"] as? String, "the page read another request's ID")
        let denial = ServedGateway.object(try served.waitForLine(#""reason":"insufficient_scope""#))
        XCTAssertEqual(denial["method"] as? String, "GET")
        XCTAssertEqual(denial["path"] as? String, "/calendar/today")
        XCTAssertEqual(denial["request_id"] as? String, lacking["request_id"] as? String, "the page read another request's ID")

        // (c) The same page on an origin the gateway does not allow: the preflight is refused, so
        // the browser never sends the call and the page sees a network error, not a response.
        let other = try HeadlessChromium.dumpDOM(otherSite.url("/app.html"))
        let otherResult = try Self.result(of: other)
        XCTAssertEqual(otherResult["origin"] as? String, otherSite.base)
        let blocked = (otherResult["results"] as? [String: Any])?["other_origin"] as? [String: Any] ?? [:]
        XCTAssertEqual(blocked["outcome"] as? String, "blocked", "\(blocked)")
        XCTAssertEqual(blocked["error"] as? String, "TypeError: Failed to fetch", "\(blocked)")
        XCTAssertTrue(other.stderr.contains("has been blocked by CORS policy"),
                      "Chromium's console does not name CORS as the reason:\n\(other.stderr.suffix(3000))")
        let refused = ServedGateway.object(try served.waitForLine(#""reason":"cors_preflight_refused""#))
        XCTAssertEqual(refused["method"] as? String, "OPTIONS")
        XCTAssertEqual(refused["path"] as? String, "/appointments/42")
        XCTAssertEqual(refused["status"] as? Int, 403)
        XCTAssertEqual(refused["description"] as? String, #"origin "\#(otherSite.base)" is not allowed"#)

        // Every preflight was answered by the gateway (none reached a backend): (a)'s and (b)'s
        // with 204, (c)'s refused; only (a)'s GET was forwarded.
        XCTAssertEqual(served.fast.headCount, 1, "the appointments backend saw more than (a)'s GET")
        XCTAssertEqual(served.slow.headCount, 0, "the calendar backend was reached")
        let metrics = try served.admin("/metrics").bodyText
        for line in [
            #"scopegate_requests_total{route="/appointments",method="OPTIONS",code="2xx"} 1"#,
            #"scopegate_requests_total{route="/calendar",method="OPTIONS",code="2xx"} 1"#,
            #"scopegate_requests_total{route="/appointments",method="OPTIONS",code="4xx"} 1"#,
            #"scopegate_requests_total{route="/appointments",method="GET",code="2xx"} 1"#,
            #"scopegate_requests_total{route="/calendar",method="GET",code="4xx"} 1"#,
        ] {
            XCTAssertTrue(metrics.contains(line + "\n"), "no \(line) in /metrics:\n\(metrics)")
        }
        XCTAssertEqual(appSite.requestCount("/app.html"), 1)
        XCTAssertEqual(otherSite.requestCount("/app.html"), 1)
    }

    /// The single-page app: `calls` (name, gateway path) one after the other, each a `fetch` with
    /// the bearer token; then `{"origin", "results": {name: result}}` into `#result`, with
    /// `data-state="done"`. A result is `{"outcome": "response", "status", "content_type",
    /// "www_authenticate", "request_id", "x_backend", "body"}` (headers the page cannot read are
    /// `null`; the body parsed as JSON, else `null`) or `{"outcome": "blocked", "error"}` when
    /// `fetch` rejected (what a browser shows for a call that CORS blocked).
    static func page(gateway: String, token: String, calls: [(name: String, path: String)]) throws -> JWKSTestServer.Document {
        let setup: [String: Any] = ["gateway": gateway, "token": token, "calls": calls.map { [$0.name, $0.path] }]
        let json = String(decoding: try JSONSerialization.data(withJSONObject: setup, options: [.sortedKeys]), as: UTF8.self)
            .replacingOccurrences(of: "</", with: "<\\/")
        let html = """
        <!doctype html>
        <html><head><meta charset="utf-8"><title>ScopeGate CORS</title><link rel="icon" href="data:,"></head>
        <body><pre id="result" data-state="pending"></pre>
        <script>
        "use strict";
        const setup = \(json);
        async function call(path) {
          try {
            const response = await fetch(setup.gateway + path, {headers: {"Authorization": "Bearer " + setup.token}});
            const text = await response.text();
            let body = null;
            try { body = JSON.parse(text); } catch (error) {}
            return {outcome: "response", status: response.status, content_type: response.headers.get("Content-Type"),
                    www_authenticate: response.headers.get("WWW-Authenticate"),
                    request_id: response.headers.get("X-Request-Id"), x_backend: response.headers.get("X-Backend"), body};
          } catch (error) {
            return {outcome: "blocked", error: String(error)};
          }
        }
        (async () => {
          const results = {};
          for (const [name, path] of setup.calls) results[name] = await call(path);
          const element = document.getElementById("result");
          element.textContent = JSON.stringify({origin: location.origin, results});
          element.dataset.state = "done";
        })();
        </script>
        </body></html>
        """
        return JWKSTestServer.Document(body: Array(html.utf8), contentType: "text/html; charset=utf-8")
    }

    /// The JSON the page wrote into `#result`, from Chromium's DOM dump; throws when the page
    /// did not finish (the DOM still says `pending`).
    static func result(of run: HeadlessChromium.Run) throws -> [String: Any] {
        let marker = #"<pre id="result" data-state="done">"#
        guard let start = run.dom.range(of: marker), let end = run.dom.range(of: "</pre>", range: start.upperBound..<run.dom.endIndex) else {
            throw ScopeGateBinary.ProcessError("the page did not write its result; DOM:\n\(run.dom)\nchromium stderr:\n\(run.stderr.suffix(3000))")
        }
        // Text content is serialised with &, < and > escaped (HTML §13.3, serialising fragments).
        let text = run.dom[start.upperBound..<end.lowerBound].replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&nbsp;", with: "\u{A0}")
            .replacingOccurrences(of: "&amp;", with: "&")
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw ScopeGateBinary.ProcessError("the page's result is not a JSON object: \(text)")
        }
        return object
    }
}
