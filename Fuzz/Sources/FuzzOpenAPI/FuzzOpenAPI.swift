import Foundation
import FuzzSupport
import ScopeGateOpenAPI

/// An OpenAPI document (YAML or JSON, 3.0 or 3.1) through `scopegate import-openapi`'s loader
/// and importer, then the printed JSON read back.
///
/// Invariants: a refused document says why; an imported one gives routes whose prefixes are
/// normalised absolute paths (no empty or dot segment, no trailing `/`), each with at least one
/// upper-case method whose scopes are RFC 6749 scope-tokens, never an empty alternative beside
/// others (the config decoder refuses it), and JSON that parses back with one route per prefix.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOpenAPI(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Data(UnsafeRawBufferPointer(start: data, count: size))
    let result: OpenAPIImport
    do throws(OpenAPIImportError) {
        result = try OpenAPIImporter.routes(from: try OpenAPIDocumentLoader.load(bytes), backend: "b")
    } catch {
        FuzzInvariant.require(!error.description.isEmpty, "refused without a reason")
        return 0
    }
    for route in result.routes {
        let prefix = route.prefix
        FuzzInvariant.require(prefix.hasPrefix("/"), "prefix \(prefix.debugDescription) is not absolute")
        if prefix != "/" {
            FuzzInvariant.require(!prefix.hasSuffix("/"), "prefix \(prefix.debugDescription) ends with /")
            for segment in prefix.split(separator: "/", omittingEmptySubsequences: false).dropFirst() {
                FuzzInvariant.require(!segment.isEmpty && segment != "." && segment != "..", "prefix \(prefix.debugDescription) has an empty or dot segment")
            }
        }
        FuzzInvariant.require(!route.methods.isEmpty, "route \(prefix.debugDescription) has no method")
        for (method, rule) in route.methods {
            FuzzInvariant.require(!method.isEmpty && method.utf8.allSatisfy { (0x41...0x5A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D || $0 == 0x5F },
                                  "method \(method.debugDescription)")
            guard case .scopes(let alternatives) = rule else { continue }
            FuzzInvariant.require(!alternatives.isEmpty, "\(method) \(prefix): no alternative")
            FuzzInvariant.require(alternatives.count == 1 || !alternatives.contains(where: \.isEmpty), "\(method) \(prefix): an empty alternative beside others")
            for scope in alternatives.joined() {
                FuzzInvariant.require(!scope.isEmpty && scope.utf8.allSatisfy { $0 == 0x21 || (0x23...0x5B).contains($0) || (0x5D...0x7E).contains($0) },
                                      "\(method) \(prefix): scope \(scope.debugDescription) is not a scope-token")
            }
        }
    }
    let printed = try? JSONSerialization.jsonObject(with: Data(result.json.utf8)) as? [String: Any]
    let routes = printed?["routes"] as? [[String: Any]]
    FuzzInvariant.require(routes?.count == result.routes.count, "the printed JSON does not read back: \(result.json)")
    FuzzInvariant.require(Set(result.routes.map(\.prefix)).count == result.routes.count, "two routes with one prefix")
    return 0
}
