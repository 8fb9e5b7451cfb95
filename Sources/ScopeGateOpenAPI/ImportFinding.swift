/// One thing `import-openapi` did not map as the document says, or mapped with a caveat: printed
/// on standard error as `<location>: <message>`.
public struct ImportFinding: Sendable, Equatable, CustomStringConvertible {
    /// Where in the OpenAPI document, as a dotted path with the path template and method as
    /// written: `paths./pet/{petId}.get.security[0]`, `components.securitySchemes.api_key`.
    public let location: String
    /// What was not mapped, why, and what the routes do instead.
    public let message: String

    public init(location: String, message: String) {
        self.location = location
        self.message = message
    }

    public var description: String { "\(location): \(message)" }
}
