/// One header field the decision adds to the response the client gets (RFC 9110 §5).
public struct ResponseHeader: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}
