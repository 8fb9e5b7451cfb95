import Foundation
import Yams

/// A composed YAML node as the JSON value it stands for (`JSONSerialization` objects), so that
/// OpenAPIKit decodes YAML and JSON documents through one decoder, `JSONDecoder`.
///
/// Why not Yams' own decoder: it looks a key up by re-resolving its text, so a quoted numeric key
/// (`'200':` in a `responses` map, as the Swagger Petstore writes them) is "missing". Here every
/// mapping key is its text, and a scalar is typed by its resolved YAML 1.1 tag (`null`, `bool`,
/// `int`, `float`; anything else, timestamps included, is its text). Numbers JSON cannot carry
/// (an integer beyond 64 bits, `.inf`, `.nan`) stay text. Depth is that of the YAML, whose
/// expanded size ``OpenAPIDocumentLoader`` has already bounded.
enum YAMLNodeJSON {
    static func value(_ node: Node) -> Any {
        switch node {
        case .scalar:
            return scalar(node)
        case .sequence(let sequence):
            return sequence.map(value)
        case .mapping(let mapping):
            var object: [String: Any] = [:]
            for (key, element) in mapping { object[key.string ?? ""] = value(element) }
            return object
        case .alias:
            return NSNull()
        }
    }

    private static func scalar(_ node: Node) -> Any {
        let text = node.string ?? ""
        switch Tag.Name(rawValue: node.tag.rawValue) {
        case .null: return NSNull()
        case .bool: return node.bool ?? text
        case .int: return node.int ?? text
        case .float:
            guard let number = node.float, number.isFinite else { return text }
            return number
        default: return text
        }
    }
}
