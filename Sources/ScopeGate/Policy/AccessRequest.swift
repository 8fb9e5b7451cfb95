/// The parts of an HTTP request the access decision reads, independent of any server library.
public struct AccessRequest: Sendable {
    /// Method token as received, e.g. `GET` (case-sensitive, RFC 9110 §9.1).
    public var method: String
    /// The raw request target from the request line.
    public var target: String
    /// Every value of the token header (`api.token.header`, by default `Authorization`),
    /// in order received.
    public var tokenHeaderValues: [String]

    public init(method: String, target: String, tokenHeaderValues: [String]) {
        self.method = method
        self.target = target
        self.tokenHeaderValues = tokenHeaderValues
    }
}
