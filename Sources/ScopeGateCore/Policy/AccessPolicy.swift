import Foundation

/// The access decision for one request: target, route, method, bearer token, scopes.
///
/// Pure and synchronous (no I/O): `serve` calls it on the event loop for every request
/// and `explain` calls it once, so both always decide alike. The order of checks is
/// fixed and fails closed:
/// 1. request target valid and normalised (else 400 `invalid_request_target`); when
///    `protected_resource` is configured, its metadata path (``ResourceIdentifier/metadataPath``,
///    compared exactly) is answered here, before any route can match it: `GET`/`HEAD` with the
///    document (``Decision/resourceMetadata(_:)``), any other method 405 with `Allow: GET, HEAD`;
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
/// 5. the token verifies (else 401 `invalid_token`, or 503 when no keys are loaded); a `kid`
///    its issuer's set lacks may first wait for a key refetch (``DecisionStep/awaitingKeys(_:)``,
///    then ``resume(_:now:)``);
/// 6. its claim headers (``ClaimHeaderMapping``) are valid field values (else 401 `invalid_claim`);
/// 7. it grants every required scope (else 403 `insufficient_scope`).
///
/// An ``Allowance`` holds everything forwarding needs from the decision (route, target, token,
/// claim headers, CORS headers): nothing after it can turn the request into a denial.
public struct AccessPolicy: Sendable {
    public let routes: RouteTable
    public let verifier: TokenVerifier
    public let extractor: TokenExtractor
    /// The request header the bearer token is read from (`Authorization`, or the configured
    /// `api.token.header`): the server puts its values in ``AccessRequest/tokenHeaderValues``.
    public var tokenHeader: String { extractor.location.header }
    /// `forwarding.claim_headers`: the headers an allowed request carries for its token.
    public let claimHeaders: ClaimHeaderMapping
    /// The protected resource metadata (RFC 9728), rendered once for this policy; `nil` when
    /// `protected_resource` is not configured.
    public let resourceMetadata: ResourceMetadata?

    /// Whether any route (or the API) has CORS handled by the gateway, so that the server
    /// reads `Origin` and the preflight headers into the ``AccessRequest``.
    public let handlesCORS: Bool

    public init(routes: RouteTable, verifier: TokenVerifier, claimHeaders: ClaimHeaderMapping,
                resourceMetadata: ResourceMetadata? = nil) {
        self.routes = routes
        self.verifier = verifier
        self.extractor = TokenExtractor(verifier.api.token)
        self.claimHeaders = claimHeaders
        self.resourceMetadata = resourceMetadata
        self.handlesCORS = routes.cors != nil || routes.hasRouteCORS
    }

    /// The policy of `config`: its routes, its `forwarding.claim_headers` and its
    /// `protected_resource` metadata, with `verifier`.
    public init(config: GatewayConfig, verifier: TokenVerifier) {
        self.init(routes: RouteTable(config: config), verifier: verifier,
                  claimHeaders: ClaimHeaderMapping(config.forwarding.claimHeaders),
                  resourceMetadata: ResourceMetadata(config: config))
    }

    /// Decides `request` at instant `now` (injected; tokens' time claims are evaluated against it).
    ///
    /// CORS (``CORSPolicy``) wraps the decision: the route's (or, before a route matched, the
    /// API's) CORS headers go with every answer, and on a route whose CORS the gateway handles a
    /// preflight is answered here, after the route matched and before its method rule.
    ///
    /// - Returns: the ``Decision``, or ``DecisionStep/awaitingKeys(_:)`` when the token names a
    ///   `kid` its issuer's key set lacks and a refetch is under way; then call
    ///   ``resume(_:now:)`` once ``KeyWait/whenKeysArrive(_:)`` fires.
    public func decide(_ request: AccessRequest, now: Date) -> DecisionStep {
        var cors: RouteCORSPolicy = routes.cors.map { .gateway($0) } ?? .none
        switch decideAccess(request, now: now, cors: &cors) {
        case .decided(let decision):
            return .decided(Self.addingCORS(to: decision, cors: cors, origin: request.origin))
        case .awaitingKeys(let wait):
            return .awaitingKeys(wait)
        }
    }

    /// Finishes a decision that waited for keys, at instant `now`: the token's verification
    /// with the key set as it is now (``TokenVerifier/resume(_:now:)``; a `kid` still missing is
    /// 401 `unknown_kid`), then steps 6 and 7 and CORS, as ``decide(_:now:)`` would have.
    /// Nothing before the verification is done again.
    ///
    /// - Parameter wait: from ``decide(_:now:)`` of this policy.
    /// - Returns: the ``Decision``; it cannot wait again.
    public func resume(_ wait: KeyWait, now: Date) -> Decision {
        let decision = conclude(verifier.resume(wait.token, now: now), route: wait.route, target: wait.target,
                                requirement: wait.requirement, enforcement: wait.enforcement)
        return Self.addingCORS(to: decision, cors: wait.route.cors, origin: wait.origin)
    }

    /// The gateway's CORS headers on `decision` when `cors` is handled by it.
    private static func addingCORS(to decision: Decision, cors: RouteCORSPolicy, origin: String?) -> Decision {
        guard case .gateway(let policy) = cors else { return decision }
        switch decision {
        case .allow(var allowance):
            allowance.corsHeaders = policy.responseHeaders(origin: origin)
            return .allow(allowance)
        case .deny(var denial):
            if denial.reason != .corsPreflightRefused { denial.corsHeaders = policy.responseHeaders(origin: origin) }
            else { denial.corsHeaders = [ResponseHeader("Vary", "Origin")] }
            return .deny(denial)
        case .preflight, .resourceMetadata:
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

    private func decideAccess(_ request: AccessRequest, now: Date, cors: inout RouteCORSPolicy) -> DecisionStep {
        let target: RequestTarget
        switch RequestTarget.parse(request.target) {
        case .success(let parsed): target = parsed
        case .failure(let error):
            return .decided(.deny(Denial(status: 400, reason: .invalidRequestTarget, description: error.description)))
        }
        if let metadata = resourceMetadata, target.path == metadata.resource.metadataPath {
            // Before route matching: a route covering the path (`/`) must not swallow it.
            guard request.method == "GET" || request.method == "HEAD" else {
                return .decided(.deny(Denial(status: 405, reason: .methodNotAllowed,
                                             description: "method \(Self.printable(request.method)) is not allowed on the resource metadata",
                                             path: target.path, allowedMethods: ["GET", "HEAD"])))
            }
            return .decided(.resourceMetadata(metadata))
        }
        let matched = routes.match(path: target.path)
        if let variant = routes.caseVariant(of: target.path, matched: matched) {
            return .decided(.deny(Denial(status: 404, reason: .routeNotFound,
                                description: "the path differs only in letter case from route \(variant.prefix)",
                                path: target.path)))
        }
        guard let route = matched else {
            return .decided(.deny(Denial(status: 404, reason: .routeNotFound, description: "no route for this path", path: target.path)))
        }
        cors = route.cors
        var denial = Denial(status: 0, reason: .routeNotFound, description: "", route: route.prefix,
                            backend: route.backend.name, path: target.path)
        if case .gateway(let policy) = route.cors, request.isPreflight, let origin = request.origin, let method = request.preflightMethod {
            // A browser never sends credentials on a preflight: answered here, never forwarded.
            switch policy.preflight(origin: origin, method: method, requestHeaders: request.preflightHeaders, route: route) {
            case .success(let headers):
                return .decided(.preflight(Preflight(route: route, path: target.path, headers: headers)))
            case .failure(let refusal):
                denial.status = 403
                denial.reason = .corsPreflightRefused
                denial.description = refusal.description
                return .decided(.deny(denial))
            }
        }
        let enforcement = route.enforcement(for: request.method)
        guard let rule = route.rule(for: request.method) else {
            denial.status = 405
            denial.reason = .methodNotAllowed
            denial.description = "method \(Self.printable(request.method)) is not allowed on \(route.prefix)"
            denial.allowedMethods = route.allowedMethods
            guard enforcement == .shadow else { return .decided(.deny(denial)) }
            // Shadowed: forwarded as a public method's request would be (no token checked).
            var refusal = denial
            guard let forwarded = targetWithoutToken(target, refusal: &refusal) else { return .decided(.deny(refusal)) }
            return .decided(Self.enforcing(denial, enforcement, route: route, target: forwarded))
        }
        guard case .scopes(let requirement) = rule else {
            // Credentials on a public method are not checked, so none are passed on either.
            guard let publicTarget = targetWithoutToken(target, refusal: &denial) else { return .decided(.deny(denial)) }
            return .decided(.allow(Allowance(route: route, target: publicTarget, token: nil, requirement: nil)))
        }
        denial = Self.tokenDenial(route: route, path: target.path, requirement: requirement)

        let token: String
        var forwardedTarget = target
        switch extractor.extract(headerValues: request.tokenHeaderValues, rawQuery: target.query) {
        case .none:
            denial.status = 401
            denial.reason = .missingToken
            denial.description = "a bearer token is required"
            return .decided(Self.enforcing(denial, enforcement, route: route, target: target))
        case .invalid:
            denial.status = 400
            denial.reason = .invalidAuthorizationHeader
            denial.description = extractor.location.queryParameter == nil
                ? Self.headerExpectation(extractor.location)
                : Self.headerExpectation(extractor.location) + ", or one \"\(extractor.location.queryParameter!)\" query parameter"
                    + " (not both, and nothing backends may read as it)"
            denial.bearerError = "invalid_request"
            return .decided(.deny(denial))
        case .token(let value, let fromQuery):
            token = value
            if fromQuery, let name = extractor.location.queryParameter, let query = target.query {
                // Never forward a token taken from the query (RFC 6750 §5.3).
                forwardedTarget.query = TokenExtractor.removingParameter(name, fromQuery: query)
            }
        }

        switch verifier.verify(token, now: now) {
        case .verified(let verified):
            return .decided(conclude(.success(verified), route: route, target: forwardedTarget, requirement: requirement,
                                     enforcement: enforcement))
        case .rejected(let rejection):
            return .decided(conclude(.failure(rejection), route: route, target: forwardedTarget, requirement: requirement,
                                     enforcement: enforcement))
        case .awaitingKeys(let pending):
            return .awaitingKeys(KeyWait(route: route, target: forwardedTarget, requirement: requirement,
                                         enforcement: enforcement, origin: request.origin, token: pending))
        }
    }

    /// `target` as forwarded where no token is checked (a public method, a shadowed 405): the
    /// configured token query parameter removed; a look-alike of it is 400 `invalid_request`
    /// (`nil`, with `refusal`, a denial on the route, made that answer), since it would reach
    /// the backend unchecked.
    private func targetWithoutToken(_ target: RequestTarget, refusal: inout Denial) -> RequestTarget? {
        guard let name = extractor.location.queryParameter, let query = target.query else { return target }
        guard !extractor.queryHasLookAlike(query) else {
            refusal.status = 400
            refusal.reason = .invalidAuthorizationHeader
            refusal.description = "a query parameter that backends may read as \"\(name)\" is not allowed"
            refusal.bearerError = "invalid_request"
            refusal.allowedMethods = []
            return nil
        }
        var forwarded = target
        forwarded.query = TokenExtractor.removingParameter(name, fromQuery: query)
        return forwarded
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
