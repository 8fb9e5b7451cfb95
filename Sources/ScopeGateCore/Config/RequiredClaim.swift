/// `required_claims.<name>`: a claim an issuer's tokens must carry with one of the given values.
///
/// Written `"token_use": "access"` or `"tid": ["t1", "t2"]`; a value is a JSON string, number
/// or boolean. Numbers compare as IEEE doubles (as the token's are read), so a configured number
/// must be an integer within ±(2^53 - 1) or a fraction; write identifiers as strings. A token's claim matches when it equals one of ``values`` (strings code point by
/// code point, never by Unicode equivalence), or is an array with an element that does.
/// A dotted name walks into nested objects when no top-level claim has that exact name, as in
/// `scope_claims`.
public struct RequiredClaim: Sendable, Equatable {
    /// A value the claim may hold.
    public enum Value: Sendable, Equatable, CustomStringConvertible {
        case string(String)
        case number(Double)
        case bool(Bool)

        /// The value as JSON text, e.g. `"access"`, `2`, `true`.
        public var description: String {
            switch self {
            case .string(let text): return "\"" + text + "\""
            case .number(let number): return number.rounded() == number && abs(number) < 1e15 ? String(Int(number)) : String(number)
            case .bool(let flag): return String(flag)
            }
        }
    }

    /// The claim name, or a dotted path (`realm_access.roles`).
    public var name: String
    /// The accepted values, at least one.
    public var values: [Value]

    public init(name: String, values: [Value]) {
        self.name = name
        self.values = values
    }
}
