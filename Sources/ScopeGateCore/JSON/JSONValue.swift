/// A JSON value as decoded from a JWS header or payload (RFC 8259).
///
/// Booleans and numbers stay apart (unlike `NSNumber` from `JSONSerialization` on
/// Linux), so a boolean `exp` is a type error and not the instant 1970-01-01T00:00:01Z.
package enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// Any JSON number. A number beyond `Double`'s range (`1e400`) is `±infinity`.
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Parses `bytes` as a JSON document whose top level is an object; `nil` otherwise
    /// (including duplicate member names, see ``JSONParser``).
    static func decodeObject(_ bytes: [UInt8]) -> [String: JSONValue]? {
        guard case .object(let members)? = JSONParser.parse(bytes) else { return nil }
        return members
    }

    /// A short name of the JSON type, for error descriptions (`"string"`, `"boolean"`, ...).
    var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}
