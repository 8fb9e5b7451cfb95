/// Why `scopegate import-openapi` could not read a document at all (exit status 1). What it read
/// but could not map is an ``ImportFinding`` instead.
public enum OpenAPIImportError: Error, Equatable, CustomStringConvertible {
    /// The bytes are not UTF-8 text, or larger than ``OpenAPIDocumentLoader/maximumSize``.
    case unreadable(String)
    /// Not YAML (nor JSON, which is YAML): the parser's message with its line and column.
    case notYAML(String)
    /// YAML, but not an OpenAPI document: its top level is no mapping, or it has no `openapi`
    /// field (a Swagger 2.0 document says `swagger: "2.0"`).
    case notOpenAPI(String)
    /// An `openapi` version other than 3.0.x or 3.1.x.
    case unsupportedVersion(String)
    /// An OpenAPI 3.0/3.1 document that does not decode (a required field missing, a wrong
    /// type): OpenAPIKit's message, with the location in the document.
    case invalidDocument(String)
    /// Nothing in the document could be mapped to a route (every path or operation skipped).
    case nothingMapped

    public var description: String {
        switch self {
        case .unreadable(let why): "unreadable document: \(why)"
        case .notYAML(let why): "not YAML or JSON: \(why)"
        case .notOpenAPI(let why): "not an OpenAPI document: \(why)"
        case .unsupportedVersion(let version): "unsupported OpenAPI version \"\(version)\" (3.0.x and 3.1.x are supported)"
        case .invalidDocument(let why): "invalid OpenAPI document: \(why)"
        case .nothingMapped: "no operation could be mapped to a route (see the report above)"
        }
    }
}
