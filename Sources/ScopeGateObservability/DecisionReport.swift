import Foundation
import ScopeGateCore

/// A ``Decision`` rendered for people (`scopegate explain`) or as one JSON object (`--json`).
///
/// JSON members (every one present, `null` when it does not apply): `allowed` (bool),
/// `status` (200 means "forwarded"), `reason` (a reason code, `null` when allowed),
/// `description` (one sentence), `route`, `backend`, `upstream_url` (allowed only),
/// `required_scopes`, `required_any_of` (only with alternatives), `granted_scopes`,
/// `subject`, `client_id`, `allow` (405 only), `would_deny` (a route or method in shadow mode
/// that would have denied the request it forwards: `{"status", "reason", "description"}`, else
/// `null`), `cors_headers` (name to value, when the route
/// has CORS: what an allowed preflight (status 204) or the response carries),
/// `resource_metadata` (only for the RFC 9728 metadata path: the document the gateway serves,
/// as a string), and `token`:
/// - a token that verified: `{"verified": true, "issuer", "kid", "alg", "exp"` (Unix seconds),
///   `"expires_at"` (RFC 3339), `"scopes_by_claim": [{"claim", "scopes"}]}` — which of the
///   issuer's `scope_claims` granted which scopes;
/// - a token that did not: `{"verified": false, "alg", "kid", "typ", "iss"}`, read from the
///   presented token without trusting it (`null` members when it cannot be read), so a 401
///   can be traced to its issuer and key;
/// - no token presented (or a public method): `null`.
public struct DecisionReport: Sendable {
    public var method: String
    public var target: String
    public var decision: Decision
    /// The token as presented, to describe an unverified one; never printed itself.
    public var presentedToken: String?

    public init(method: String, target: String, decision: Decision, presentedToken: String? = nil) {
        self.method = method
        self.target = target
        self.decision = decision
        self.presentedToken = presentedToken
    }

    /// One JSON object, keys sorted, ending with a newline.
    public var json: String {
        var object: [String: Any] = [:]
        func put(_ key: String, _ value: Any?) { object[key] = value ?? NSNull() }
        switch decision {
        case .allow(let allowance):
            put("allowed", true)
            put("status", 200)
            put("reason", nil)
            put("description", Self.allowedDescription(allowance))
            put("route", allowance.route.prefix)
            put("backend", allowance.route.backend.name)
            put("upstream_url", allowance.upstreamURL)
            put("required_scopes", allowance.requiredScopes)
            if let alternatives = allowance.requirement?.alternatives, alternatives.count > 1 { put("required_any_of", alternatives) }
            put("granted_scopes", allowance.token?.grantedScopes ?? [])
            put("subject", allowance.token?.subject)
            put("client_id", allowance.token?.clientID)
            put("token", allowance.token.map(Self.tokenObject) ?? allowance.wouldDeny.flatMap { _ in presentedToken.map(Self.unverifiedObject) })
            put("would_deny", allowance.wouldDeny.map { ["status": $0.status, "reason": $0.reason.rawValue, "description": $0.description] as [String: Any] })
        case .deny(let denial):
            put("allowed", false)
            put("status", denial.status)
            put("reason", denial.reason.rawValue)
            put("description", denial.description)
            put("route", denial.route)
            put("backend", denial.backend)
            put("upstream_url", nil)
            put("would_deny", nil)
            put("required_scopes", denial.requiredScopes)
            if let alternatives = denial.requirement?.alternatives, alternatives.count > 1 { put("required_any_of", alternatives) }
            put("granted_scopes", denial.grantedScopes)
            put("subject", denial.subject)
            put("client_id", denial.clientID)
            if denial.status == 405 { put("allow", denial.allowedMethods) }
            put("token", denial.token.map(Self.tokenObject) ?? presentedToken.map(Self.unverifiedObject))
            if !denial.corsHeaders.isEmpty { put("cors_headers", Self.headerObject(denial.corsHeaders)) }
        case .preflight(let preflight):
            put("allowed", true)
            put("status", 204)
            put("reason", nil)
            put("description", "a CORS preflight the route allows: answered by the gateway, not forwarded")
            put("route", preflight.route.prefix)
            put("backend", preflight.route.backend.name)
            put("upstream_url", nil)
            put("would_deny", nil)
            put("required_scopes", [String]())
            put("granted_scopes", [String]())
            put("subject", nil)
            put("client_id", nil)
            put("token", nil)
            put("cors_headers", Self.headerObject(preflight.headers))
        case .resourceMetadata(let metadata):
            put("allowed", true)
            put("status", 200)
            put("reason", nil)
            put("description", "the protected resource metadata (RFC 9728): answered by the gateway, not forwarded")
            put("route", nil)
            put("backend", nil)
            put("upstream_url", nil)
            put("required_scopes", [String]())
            put("granted_scopes", [String]())
            put("subject", nil)
            put("client_id", nil)
            put("token", nil)
            put("resource_metadata", metadata.body)
        }
        if case .allow(let allowance) = decision, !allowance.corsHeaders.isEmpty {
            put("cors_headers", Self.headerObject(allowance.corsHeaders))
        }
        return Self.serialize(object)
    }

    /// Header name to value (several values of one name joined by `, `).
    private static func headerObject(_ headers: [ResponseHeader]) -> [String: String] {
        var object: [String: String] = [:]
        for header in headers { object[header.name] = object[header.name].map { $0 + ", " + header.value } ?? header.value }
        return object
    }

    /// The JSON `scopegate explain --json` prints when it cannot decide: the config or its
    /// keys did not load (`error: "configuration"`, with each problem's JSON path).
    public static func failureJSON(_ problems: [ConfigProblem]) -> String {
        serialize([
            "allowed": false, "status": NSNull(), "reason": NSNull(), "error": "configuration",
            "description": problems.first.map(\.description) ?? "the configuration could not be loaded",
            "problems": problems.map { ["path": $0.path, "message": $0.message] },
        ])
    }

    public var text: String {
        var lines: [String] = []
        func row(_ name: String, _ value: String?) {
            guard let value, !value.isEmpty else { return }
            lines.append("  " + (name + ":").padding(toLength: max(24, name.count + 2), withPad: " ", startingAt: 0) + value)
        }
        func tokenRows(_ token: VerifiedToken) {
            row("issuer", token.issuer)
            row("kid", token.keyID ?? "(none)")
            row("alg", token.algorithm?.rawValue)
            row("expires", token.expiresAt.map { JSONLine.timestamp($0) } ?? "(no exp)")
            for source in token.scopeSources {
                row("scopes from " + source.claim, source.scopes.isEmpty ? "(none usable)" : source.scopes.joined(separator: " "))
            }
        }
        switch decision {
        case .allow(let allowance):
            lines.append("ALLOW \(method) \(allowance.target.path): \(Self.allowedDescription(allowance))")
            row("route", allowance.route.prefix)
            row("backend", allowance.route.backend.name)
            row("upstream_url", allowance.upstreamURL)
            if let wouldDeny = allowance.wouldDeny {
                row("would_deny", "\(wouldDeny.status) \(wouldDeny.reason.rawValue): \(wouldDeny.description)")
            }
            row("required_scopes", allowance.requirement == nil && allowance.wouldDeny == nil ? "(public)" : Self.describe(allowance.requirement))
            row("granted_scopes", allowance.token?.grantedScopes.joined(separator: " "))
            row("subject", allowance.token?.subject)
            row("client_id", allowance.token?.clientID)
            if let token = allowance.token { tokenRows(token) }
            for header in allowance.corsHeaders { row(header.name, header.value) }
        case .preflight(let preflight):
            lines.append("PREFLIGHT 204 \(preflight.path): a CORS preflight the route allows, answered by the gateway")
            row("route", preflight.route.prefix)
            for header in preflight.headers { row(header.name, header.value) }
        case .resourceMetadata(let metadata):
            lines.append("METADATA 200 \(metadata.resource.metadataPath): the protected resource metadata (RFC 9728), answered by the gateway")
            row("resource", metadata.resource.value)
            row("document", metadata.body)
        case .deny(let denial):
            lines.append("DENY \(denial.status) \(denial.reason.rawValue): \(denial.description)")
            row("route", denial.route)
            row("backend", denial.backend)
            row("required_scopes", denial.requirement.map { Self.describe($0) })
            row("granted_scopes", denial.grantedScopes.joined(separator: " "))
            row("subject", denial.subject)
            row("client_id", denial.clientID)
            if denial.status == 405 { row("allow", denial.allowedMethods.joined(separator: ", ")) }
            for header in denial.corsHeaders { row(header.name, header.value) }
            if let token = denial.token {
                tokenRows(token)
            } else if let presentedToken, let jws = try? CompactJWS.parse(presentedToken, maxBytes: Int.max) {
                row("token (unverified)", ["alg", "kid", "typ"].compactMap { name in
                    if case .string(let value)? = jws.header[name] { return "\(name) \(TokenRejection.quoted(value))" }
                    return nil
                }.joined(separator: ", "))
                if case .string(let iss)? = jws.payload["iss"] { row("iss (unverified)", TokenRejection.quoted(iss)) }
            }
        }
        return lines.joined(separator: "\n")
    }

    private static func allowedDescription(_ allowance: Allowance) -> String {
        if let wouldDeny = allowance.wouldDeny {
            return "shadow mode: the rule would deny this (\(wouldDeny.status) \(wouldDeny.reason.rawValue)); forwarded to \(allowance.route.backend.name) anyway"
        }
        guard let token = allowance.token else { return "a public method: forwarded without looking at credentials" }
        let required = describe(allowance.requirement)
        return "the token of \(token.issuer) grants \(required == "(any valid token)" ? "what any valid token may do" : required): forwarded to \(allowance.route.backend.name)"
    }

    private static func tokenObject(_ token: VerifiedToken) -> [String: Any] {
        [
            "verified": true,
            "issuer": token.issuer,
            "kid": token.keyID ?? NSNull(),
            "alg": token.algorithm?.rawValue ?? NSNull(),
            "exp": token.expiresAt.map { Int($0.timeIntervalSince1970) } ?? NSNull(),
            "expires_at": token.expiresAt.map { JSONLine.timestamp($0) } ?? NSNull(),
            "scopes_by_claim": token.scopeSources.map { ["claim": $0.claim, "scopes": $0.scopes] },
        ]
    }

    /// What the presented token's header and `iss` say, untrusted.
    private static func unverifiedObject(_ token: String) -> [String: Any] {
        let jws = try? CompactJWS.parse(token, maxBytes: Int.max)
        func text(_ value: JSONValue?) -> Any {
            if case .string(let string)? = value { return string }
            return NSNull()
        }
        return [
            "verified": false,
            "alg": text(jws?.header["alg"]), "kid": text(jws?.header["kid"]), "typ": text(jws?.header["typ"]),
            "iss": text(jws?.payload["iss"]),
        ]
    }

    private static func serialize(_ object: [String: Any]) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else {
            return "{\"allowed\":false,\"error\":\"report\"}\n"
        }
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// `a b`, `(a) or (b c)`, or `(any valid token)`.
    private static func describe(_ requirement: ScopeRequirement?) -> String {
        guard let requirement else { return "" }
        if requirement.alternatives.count == 1 {
            return requirement.alternatives[0].isEmpty ? "(any valid token)" : requirement.alternatives[0].joined(separator: " ")
        }
        return requirement.alternatives.map { "(" + $0.joined(separator: " ") + ")" }.joined(separator: " or ")
    }
}
