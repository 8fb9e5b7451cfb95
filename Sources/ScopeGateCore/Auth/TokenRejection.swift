/// Why a bearer token was not accepted.
///
/// `reason` is the stable code for the denial log, metrics and `error_description`;
/// `description` is one short human sentence safe for a 401 body and logs. It never
/// contains the token or a slice of it: values taken from the token (a `kid`, an
/// `alg`) are quoted, truncated to 64 characters and stripped of control characters
/// by ``quoted(_:)``.
public struct TokenRejection: Error, Sendable, Equatable, CustomStringConvertible {
    /// The stable reason code (one of the bearer-token codes of ``ReasonCode``).
    public var reason: ReasonCode
    /// A short human text, e.g. `token expired at 2026-11-29T10:00:00Z`.
    public var description: String

    public init(_ reason: ReasonCode, _ description: String) {
        self.reason = reason
        self.description = description
    }

    /// `value` in double quotes, printable ASCII only (others become `?`, `"` and `\`
    /// are escaped), cut to 64 characters with a trailing `...`.
    package static func quoted(_ value: String) -> String {
        var out = ""
        for scalar in value.unicodeScalars.prefix(64) {
            switch scalar {
            case "\"", "\\": out += "\\\(scalar)"
            case " "..."~": out.unicodeScalars.append(scalar)
            default: out += "?"
            }
        }
        return "\"" + out + (value.unicodeScalars.count > 64 ? "...\"" : "\"")
    }
}
