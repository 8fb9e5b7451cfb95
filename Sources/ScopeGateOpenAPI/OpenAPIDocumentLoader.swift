import Foundation
import OpenAPIKit
import OpenAPIKit30
import OpenAPIKitCompat
import Yams

/// Reads an OpenAPI 3.0 or 3.1 document, YAML or JSON (JSON is read as YAML), into
/// OpenAPIKit's 3.1 model: a 3.0 document is decoded with OpenAPIKit30 and converted
/// (OpenAPIKitCompat), so the importer has one model to walk.
///
/// Yams composes the text; the tree, as JSON (``YAMLNodeJSON``), goes to OpenAPIKit's decoder.
/// The version is read first from the `openapi` field (OpenAPI 3.1 §4.8.1), so that a Swagger
/// 2.0 document or a 3.2 one is refused with that reason rather than a decoding error.
/// Every failure is an ``OpenAPIImportError``; no input traps.
public enum OpenAPIDocumentLoader {
    /// Larger documents are refused (bytes): the largest public API descriptions are a few MB.
    public static let maximumSize = 16 << 20

    /// Larger documents are refused (nodes, YAML aliases expanded): a few aliases of aliases
    /// would otherwise make a small file decode for hours ("billion laughs").
    public static let maximumNodes = 4_000_000

    /// The document in `bytes`. Throws ``OpenAPIImportError``.
    public static func load(_ bytes: Data) throws(OpenAPIImportError) -> OpenAPIKit.OpenAPI.Document {
        guard bytes.count <= maximumSize else {
            throw .unreadable("\(bytes.count) bytes, more than the \(maximumSize) accepted")
        }
        guard let text = String(bytes: bytes, encoding: .utf8) else { throw .unreadable("not UTF-8 text") }
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else { throw OpenAPIImportError.notOpenAPI("the document is empty") }
            root = node
        } catch let error as OpenAPIImportError {
            throw error
        } catch {
            throw .notYAML(Self.oneLine(String(describing: error)))
        }
        var budget = maximumNodes
        guard Self.fits(root, within: &budget) else {
            throw .unreadable("more than \(maximumNodes) YAML nodes once aliases are expanded")
        }
        guard case .mapping(let mapping) = root else {
            throw .notOpenAPI("its top level is not a mapping of fields")
        }
        guard let versionNode = mapping["openapi"] else {
            if let swagger = mapping["swagger"]?.string {
                throw .notOpenAPI("it is a Swagger \(swagger) document (no \"openapi\" field); convert it to OpenAPI 3 first")
            }
            throw .notOpenAPI("it has no \"openapi\" field")
        }
        guard let version = versionNode.string else { throw .notOpenAPI("its \"openapi\" field is not a string") }
        guard version.hasPrefix("3.0.") || version.hasPrefix("3.1.") else { throw .unsupportedVersion(version) }
        try PathItemKeyCheck.check(mapping["paths"])
        do {
            let json = try JSONSerialization.data(withJSONObject: YAMLNodeJSON.value(root))
            if version.hasPrefix("3.0.") {
                return try JSONDecoder().decode(OpenAPIKit30.OpenAPI.Document.self, from: json).convert(to: .v3_1_1)
            }
            return try JSONDecoder().decode(OpenAPIKit.OpenAPI.Document.self, from: json)
        } catch {
            throw .invalidDocument(Self.oneLine(OpenAPIKit.OpenAPI.Error(from: error).localizedDescription))
        }
    }

    /// Whether `node` has at most `budget` nodes; stops counting as soon as it has more.
    private static func fits(_ node: Node, within budget: inout Int) -> Bool {
        budget -= 1
        guard budget >= 0 else { return false }
        switch node {
        case .scalar, .alias:
            return true
        case .sequence(let sequence):
            return sequence.allSatisfy { fits($0, within: &budget) }
        case .mapping(let mapping):
            return mapping.allSatisfy { fits($0.key, within: &budget) && fits($0.value, within: &budget) }
        }
    }

    /// `text` on one line, at most 1,000 characters (a parser's message may quote the document).
    private static func oneLine(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        return line.count > 1000 ? String(line.prefix(1000)) + "..." : line
    }
}
