import Foundation

/// The access decision for one request: target, route, method, bearer token, scopes.
///
/// Pure and synchronous (no I/O): `serve` calls it on the event loop for every request
/// and `explain` calls it once, so both always decide alike. The order of checks is
/// fixed and fails closed:
/// 1. request target valid and normalised (else 400 `invalid_request_target`);
/// 2. a route matches (else 404); on a route whose CORS the gateway handles, a CORS preflight
///    is answered here (204, or 403 `cors_preflight_refused`), see ``CORSPolicy``; then the
///    route configures the method (else 405 with `Allow`);
/// 3. on a `public` method: allowed, without looking at credentials, but a configured token
///    query parameter is removed from the forwarded target, and a look-alike of it
///    (``TokenExtractor/queryHasLookAlike(_:)``) is 400 `invalid_request`: it would reach
///    the backend unchecked;
/// 4. exactly one well-formed bearer token where `api.token` allows it, see
///    ``TokenExtractor`` (none: 401 without `error`; malformed, duplicated or in two
///    places: 400 `invalid_request`, RFC 6750 §3.1); a token taken from the query is
///    removed from the target that is forwarded;
/// 5. the token verifies (else 401 `invalid_token`, or 503 when no keys are loaded);
/// 6. it grants every required scope (else 403 `insufficient_scope`).
public struct AccessPolicy: Sendable {
    public let routes: RouteTable
    public let verifier: TokenVerifier
    public let extractor: TokenExtractor

    /// Whether any route (or the API) has CORS handled by the gateway, so that the server
    /// reads `Origin` and the preflight headers into the ``AccessRequest``.
    public let handlesCORS: Bool

    public init(routes: RouteTable, verifier: TokenVerifier) {
        self.routes = routes
        self.verifier = verifier
        self.extractor = TokenExtractor(verifier.api.token)
        self.handlesCORS = routes.cors != nil || routes.hasRouteCORS
    }

    /// Decides `request` at instant `now` (injected; tokens' time claims are evaluated against it).
    ///
    /// CORS (``CORSPolicy``) wraps the decision: the route's (or, before a route matched, the
    /// API's) CORS headers go with every answer, and on a route whose CORS the gateway handles a
    /// preflight is answered here, after the route matched and before its method rule.
    public func decide(_ request: AccessRequest, now: Date) -> Decision {
        var cors: RouteCORSPolicy = routes.cors.map { .gateway($0) } ?? .none
        let decision = decideAccess(request, now: now, cors: &cors)
        guard case .gateway(let policy) = cors else { return decision }
        switch decision {
        case .allow(var allowance):
            allowance.corsHeaders = policy.responseHeaders(origin: request.origin)
            return .allow(allowance)
        case .deny(var denial):
            if denial.reason != .corsPreflightRefused { denial.corsHeaders = policy.responseHeaders(origin: request.origin) }
            else { denial.corsHeaders = [ResponseHeader("Vary", "Origin")] }
            return .deny(denial)
        case .preflight:
            return decision
        }
    }

    /// The CORS headers of an answer given before the decision (the request head was refused:
    /// 400, 413, 501): those of the route `target` names, else the API's; none when the target
    /// is not valid or the route has no gateway CORS. Decides nothing about access.
    public func corsHeaders(origin: String?, target: String) -> [ResponseHeader] {
        var cors: RouteCORSPolicy = routes.cors.map { .gateway($0) } ?? .none
        if case .success(let parsed) = RequestTarget.parse(target), let route = routes.match(path: parsed.path) {
            cors = route.cors
        }
        guard case .gateway(let policy) = cors else { return [] }
        return policy.responseHeaders(origin: origin)
    }

    private func decideAccess(_ request: AccessRequest, now: Date, cors: inout RouteCORSPolicy) -> Decision {
        let target: RequestTarget
        switch RequestTarget.parse(request.target) {
        case .success(let parsed): target = parsed
        case .failure(let error):
            return .deny(Denial(status: 400, reason: .invalidRequestTarget, description: error.description))
        }
        let matched = routes.match(path: target.path)
        if let variant = routes.caseVariant(of: target.path, matched: matched) {
            return .deny(Denial(status: 404, reason: .routeNotFound,
                                description: "the path differs only in letter case from route \(variant.prefix)",
                                path: target.path))
        }
        guard let route = matched else {
            return .deny(Denial(status: 404, reason: .routeNotFound, description: "no route for this path", path: target.path))
        }
        cors = route.cors
        var denial = Denial(status: 0, reason: .routeNotFound, description: "", route: route.prefix,
                            backend: route.backend.name, path: target.path)
        if case .gateway(let policy) = route.cors, request.isPreflight, let origin = request.origin, let method = request.preflightMethod {
            // A browser never sends credentials on a preflight: answered here, never forwarded.
            switch policy.preflight(origin: origin, method: method, requestHeaders: request.preflightHeaders, route: route) {
            case .success(let headers):
                return .preflight(Preflight(route: route, path: target.path, headers: headers))
            case .failure(let refusal):
                denial.status = 403
                denial.reason = .corsPreflightRefused
                denial.description = refusal.description
                return .deny(denial)
            }
        }
        guard let rule = route.rule(for: request.method) else {
            denial.status = 405
            denial.reason = .methodNotAllowed
            denial.description = "method \(Self.printable(request.method)) is not allowed on \(route.prefix)"
            denial.allowedMethods = route.allowedMethods
            return .deny(denial)
        }
        guard case .scopes(let requirement) = rule else {
            // Credentials on a public method are not checked, so none are passed on either.
            var publicTarget = target
            if let name = extractor.location.queryParameter, let query = target.query {
                guard !extractor.queryHasLookAlike(query) else {
                    denial.status = 400
                    denial.reason = .invalidAuthorizationHeader
                    denial.description = "a query parameter that backends may read as \"\(name)\" is not allowed"
                    denial.bearerError = "invalid_request"
                    return .deny(denial)
                }
                publicTarget.query = TokenExtractor.removingParameter(name, fromQuery: query)
            }
            return .allow(Allowance(route: route, target: publicTarget, token: nil, requirement: nil))
        }
        denial.requiredScopes = requirement.alternatives[0]
        denial.requirement = requirement
        denial.challenges = true

        let token: String
        var forwardedTarget = target
        switch extractor.extract(headerValues: request.tokenHeaderValues, rawQuery: target.query) {
        case .none:
            denial.status = 401
            denial.reason = .missingToken
            denial.description = "a bearer token is required"
            return .deny(denial)
        case .invalid:
            denial.status = 400
            denial.reason = .invalidAuthorizationHeader
            denial.description = extractor.location.queryParameter == nil
                ? Self.headerExpectation(extractor.location)
                : Self.headerExpectation(extractor.location) + ", or one \"\(extractor.location.queryParameter!)\" query parameter"
                    + " (not both, and nothing backends may read as it)"
            denial.bearerError = "invalid_request"
            return .deny(denial)
        case .token(let value, let fromQuery):
            token = value
            if fromQuery, let name = extractor.location.queryParameter, let query = target.query {
                // Never forward a token taken from the query (RFC 6750 §5.3).
                forwardedTarget.query = TokenExtractor.removingParameter(name, fromQuery: query)
            }
        }

        let verified: VerifiedToken
        switch verifier.verify(token, now: now) {
        case .success(let result): verified = result
        case .failure(let rejection):
            denial.reason = rejection.reason
            denial.description = rejection.description
            if rejection.reason == .keysUnavailable {
                denial.status = 503
                denial.challenges = false
            } else {
                denial.status = 401
                denial.bearerError = "invalid_token"
            }
            return .deny(denial)
        }
        denial.token = verified

        guard requirement.isSatisfied(by: verified.grantedScopes) else {
            let granted = Set(verified.grantedScopes)
            let closest = requirement.closestAlternative(to: granted)
            let missing = closest.filter { !granted.contains($0) }
            denial.status = 403
            denial.reason = .insufficientScope
            denial.requiredScopes = closest
            denial.description = "the token lacks scope \(missing.joined(separator: " "))"
                + (requirement.alternatives.count > 1 ? " (or another alternative of the route)" : "")
            denial.bearerError = "insufficient_scope"
            return .deny(denial)
        }
        return .allow(Allowance(route: route, target: forwardedTarget, token: verified, requirement: requirement))
    }

    /// After a denial with `unknown_kid`: asks the issuer's key source to refetch, so that
    /// a token signed with a freshly rotated key can be decided again once the new set is in.
    /// See ``TokenVerifier/refetchKeys(after:completion:)``.
    public func refetchKeys(for request: AccessRequest, completion: @escaping @Sendable (Bool) -> Void) -> Bool {
        let query = RequestTarget.parse(request.target).map(\.query)
        guard case .token(let token, _) = extractor.extract(headerValues: request.tokenHeaderValues,
                                                             rawQuery: (try? query.get()) ?? nil)
        else { return false }
        return verifier.refetchKeys(after: token, completion: completion)
    }

    /// What a well-formed token header looks like, for the 400 description.
    static func headerExpectation(_ location: TokenLocationConfig) -> String {
        location.usesBearerScheme
            ? "expected exactly one Authorization header of the form \"Bearer <token>\""
            : "expected exactly one \(location.header) header carrying the token"
    }

    /// A method name as safe, short text for messages.
    static func printable(_ text: String) -> String {
        let clean = text.prefix(32).map { $0.isASCII && !$0.isWhitespace && $0 != "\"" ? $0 : "?" }
        return "\"" + String(clean) + "\""
    }
}
