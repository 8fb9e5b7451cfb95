import Yams

/// What OpenAPIKit would decode silently into something else, refused before it decodes
/// (``OpenAPIDocumentLoader``): both would let the printed routes be less strict than the document.
///
/// - Two `paths` keys that differ only in empty segments (`/e//f`, `/e/f`, `//e/f`): OpenAPIKit
///   reads a path as its non-empty segments, so it keeps one of them and drops the other with
///   its operations and their security.
/// - A path item with a `$ref` beside operations or other fields of its own (other than
///   `summary` and `description`): OpenAPI 3.1 §4.8.9 leaves the outcome undefined, and OpenAPIKit
///   reads the referenced item only.
enum PathItemKeyCheck {
    /// Throws ``OpenAPIImportError/invalidDocument(_:)`` naming the `paths` keys concerned.
    static func check(_ paths: Node?) throws(OpenAPIImportError) {
        guard case .mapping(let items)? = paths else { return }
        var seen: [String: String] = [:]
        for (key, value) in items {
            guard let path = key.string else { continue }
            let segments = path.split(separator: "/", omittingEmptySubsequences: true)
            let trailing = path.hasSuffix("/") && !segments.isEmpty ? "/" : ""
            let reading = "/" + segments.joined(separator: "/") + trailing
            if let first = seen[reading] {
                throw .invalidDocument("paths: \"\(first)\" and \"\(path)\" are one path once empty segments are dropped, and OpenAPIKit would keep only one of them with its operations; write them as one path")
            }
            seen[reading] = path
            if case .mapping(let fields) = value, fields["$ref"] != nil {
                let own = fields.keys.compactMap(\.string).filter { !["$ref", "summary", "description"].contains($0) }.sorted()
                if !own.isEmpty {
                    throw .invalidDocument("paths.\(path): a $ref beside its own \(own.joined(separator: ", ")): OpenAPI leaves which one applies undefined; move them into the referenced path item or drop the $ref")
                }
            }
        }
    }
}
