import OpenAPIKit
import ScopeGateCore

/// An operation's security requirements (OpenAPI 3.1 §4.8.30, "Security Requirement Object") as
/// a method rule, with what could not be mapped.
///
/// Each requirement object is one alternative (any-of); the schemes and scopes within one are
/// all-of. OAuth2 and OpenID Connect schemes map to their scopes (RFC 6749 §3.3 scope-tokens).
/// A requirement naming any other scheme (apiKey, HTTP basic or bearer, mutualTLS), a scheme
/// that is not defined or whose `$ref` does not resolve, or a scope that is no scope-token
/// cannot be checked by the gateway: that alternative is dropped (fewer ways in, never more).
/// An empty requirement `{}` among the alternatives makes the operation callable without
/// credentials: public. When no alternative is left the rule is `nil`: the operation is skipped.
struct SecurityRequirementMapping {
    let components: OpenAPI.Components

    /// The rule for `requirements`, found at `location` (`paths./pet.get.security` or, for the
    /// document's default, `security`), describing the operation as `subject` (`GET /pet`) in
    /// findings; `requirements` is not empty.
    func rule(_ requirements: [OpenAPI.SecurityRequirement], at location: String, subject: String,
              findings: inout [ImportFinding]) -> ImportedMethodRule? {
        var alternatives: [[String]] = []
        var publicAt: Int? = nil
        for (index, requirement) in requirements.enumerated() {
            let at = "\(location)[\(index)]"
            if requirement.isEmpty {
                if publicAt == nil { publicAt = index }
                continue
            }
            switch scopes(of: requirement) {
            case .success(let scopes):
                if requirement.count > 1 {
                    findings.append(ImportFinding(location: at, message: "\(subject): names \(requirement.count) schemes in one requirement; the gateway checks one token for all their scopes together"))
                }
                alternatives.append(scopes)
            case .failure(let why):
                findings.append(ImportFinding(location: at, message: "\(subject): alternative dropped: \(why.message)"))
            }
        }
        if let publicAt {
            findings.append(ImportFinding(location: "\(location)[\(publicAt)]", message: "\(subject): an empty requirement {} makes the operation callable without credentials: mapped as \"public\""))
            return .public
        }
        if alternatives.isEmpty {
            findings.append(ImportFinding(location: location, message: "\(subject): no alternative the gateway can check is left: operation skipped (not routed: the gateway answers 405)"))
            return nil
        }
        if alternatives.contains(where: \.isEmpty) { return .scopes([[]]) }
        var unique: [[String]] = []
        for alternative in alternatives where !unique.contains(alternative) { unique.append(alternative) }
        return .scopes(unique)
    }

    /// The scopes one requirement needs (sorted, no duplicates), or why the gateway cannot check it.
    private func scopes(of requirement: OpenAPI.SecurityRequirement) -> Result<[String], RoutePrefixTemplate.Problem> {
        var scopes: Set<String> = []
        for (reference, required) in requirement.sorted(by: { Self.name($0.key) < Self.name($1.key) }) {
            let name = Self.name(reference)
            guard let scheme = try? components.lookup(reference) else {
                return .failure(.init("names the security scheme \"\(name)\", which components.securitySchemes does not define (or whose $ref does not resolve)"))
            }
            switch scheme.type {
            case .oauth2, .openIdConnect:
                if let bad = required.first(where: { !Self.isScopeToken($0) }) {
                    return .failure(.init("the scope \"\(bad)\" of \"\(name)\" is not a scope token (RFC 6749 §3.3)"))
                }
                scopes.formUnion(required)
            case .apiKey(let keyName, let location):
                return .failure(.init("\"\(name)\" is an apiKey scheme (\(location.rawValue) \"\(keyName)\"), which the gateway cannot check"))
            case .http(let httpScheme, _):
                return .failure(.init("\"\(name)\" is an HTTP \"\(httpScheme)\" scheme without scopes, which the gateway cannot check (it checks OAuth2 and OpenID Connect scopes)"))
            case .mutualTLS:
                return .failure(.init("\"\(name)\" is a mutualTLS scheme, which the gateway cannot check"))
            }
        }
        return .success(scopes.sorted())
    }

    /// The scheme's name in `components.securitySchemes`, as the requirement writes it.
    static func name(_ reference: JSONReference<OpenAPI.SecurityScheme>) -> String {
        reference.name ?? reference.absoluteString
    }

    /// RFC 6749 §3.3, the gateway's own rule (``ScopeToken``).
    static func isScopeToken(_ scope: String) -> Bool { ScopeToken.isValid(scope.utf8) }
}
