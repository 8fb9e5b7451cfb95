import Foundation
import XCTest
import ScopeGateOpenAPI

/// The loader and the importer in process on damaged copies of real documents: every input
/// either loads and imports or is refused with an ``OpenAPIImportError``; none traps.
final class OpenAPIDocumentLoaderTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/openapi")

    /// The Petstore (YAML) and the 3.1 cases (JSON) cut at 64 places each, and with bytes flipped:
    /// each is refused with a typed error naming why, or imported with every route valid.
    func testTruncatedAndCorruptedDocumentsNeverTrap() throws {
        var refused = 0, imported = 0
        for name in ["petstore3.yaml", "import-cases-3.1.json"] {
            let bytes = try Data(contentsOf: Self.fixtures.appendingPathComponent(name))
            var inputs: [Data] = (1...64).map { bytes.prefix(bytes.count * $0 / 65) }
            for index in stride(from: 7, to: bytes.count, by: bytes.count / 32) {
                var corrupted = bytes
                corrupted[index] = corrupted[index] ^ 0x5B
                inputs.append(corrupted)
            }
            for input in inputs {
                do throws(OpenAPIImportError) {
                    let document = try OpenAPIDocumentLoader.load(input)
                    let result = try OpenAPIImporter.routes(from: document, backend: "b")
                    for route in result.routes {
                        XCTAssertTrue(route.prefix.hasPrefix("/") && !route.methods.isEmpty, "\(name): \(route)")
                    }
                    _ = result.json
                    imported += 1
                } catch {
                    XCTAssertFalse(error.description.isEmpty)
                    refused += 1
                }
            }
        }
        XCTAssertGreaterThan(refused, 0)
        XCTAssertGreaterThan(imported, 0)
    }

    func testTheWholePetstoreLoadsAsAConvertedOpenAPI30Document() throws {
        let document = try OpenAPIDocumentLoader.load(try Data(contentsOf: Self.fixtures.appendingPathComponent("petstore3.yaml")))
        let result = try OpenAPIImporter.routes(from: document, backend: "petstore")
        XCTAssertEqual(result.routes.count, 12)
        XCTAssertEqual(result.routes.first?.prefix, "/v3/pet")
        XCTAssertEqual(result.routes.first?.methods["PUT"], .scopes([["read:pets", "write:pets"]]))
        XCTAssertEqual(result.scopes.map(\.name), ["read:pets", "write:pets"])
    }
}
