import Foundation
import XCTest
import ScopeGateOpenAPI

/// The routes `import-openapi` makes of the Swagger Petstore, served by a real gateway in front
/// of an echo backend: templated paths (`/v3/pet/{petId}`) are decided by the route and the
/// scopes the document gives them, and the most specific route wins.
final class PetstoreServingTests: XCTestCase {
    private var fixture: GatewayFixture!

    /// The imported routes (backend `appointments`, the fixture's echo backend) as `extraRoutes`.
    static func importedRoutes() throws -> String {
        let bytes = try Data(contentsOf: ImportOpenAPICommandTests.fixtures.appendingPathComponent("petstore3.yaml"))
        let imported = try OpenAPIImporter.routes(from: try OpenAPIDocumentLoader.load(bytes), backend: "appointments", basePath: nil)
        let document = try JSONSerialization.jsonObject(with: Data(imported.json.utf8)) as? [String: Any]
        let routes = try XCTUnwrap(document?["routes"] as? [[String: Any]])
        return try routes.map { route in
            ", " + String(decoding: try JSONSerialization.data(withJSONObject: route, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
        }.joined()
    }

    override func setUp() async throws {
        fixture = try await GatewayFixture.start(extraRoutes: try Self.importedRoutes())
    }
    override func tearDown() async throws { try await fixture?.shutdown() }

    private func lastDenial() throws -> [String: Any] {
        let line = try XCTUnwrap(try fixture.logLines().last)
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    func testTemplatedPathsAreDecidedByTheirRouteAndScopes() async throws {
        let pets = try await fixture.token(["scope": "read:pets write:pets"])
        let readOnly = try await fixture.token(["scope": "read:pets"])

        let allowed = try fixture.request("GET", "/v3/pet/42", token: pets)
        XCTAssertEqual(allowed.status, 200)
        XCTAssertEqual(try allowed.json()["path"] as? String, "/v3/pet/42", "forwarded as it came")

        // petstore_auth requires write:pets and read:pets in one requirement: all of them.
        XCTAssertEqual(try fixture.request("GET", "/v3/pet/42", token: readOnly).status, 403)
        XCTAssertEqual(try lastDenial()["route"] as? String, "/v3/pet/{petId}")
        XCTAssertEqual(try lastDenial()["required_scopes"] as? [String], ["read:pets", "write:pets"])
        XCTAssertEqual(try fixture.request("DELETE", "/v3/pet/42").status, 401)
        XCTAssertEqual(try lastDenial()["route"] as? String, "/v3/pet/{petId}")

        // A literal segment beats the variable: /v3/pet/findByStatus is its own route.
        XCTAssertEqual(try fixture.request("GET", "/v3/pet/findByStatus?status=sold").status, 401)
        XCTAssertEqual(try lastDenial()["route"] as? String, "/v3/pet/findByStatus")
        XCTAssertEqual(try fixture.request("GET", "/v3/pet/findByStatus?status=sold", token: pets).status, 200)
        // More segments win: the upload under a templated pet.
        XCTAssertEqual(try fixture.request("POST", "/v3/pet/7/uploadImage", body: "x").status, 401)
        XCTAssertEqual(try lastDenial()["route"] as? String, "/v3/pet/{petId}/uploadImage")
        // A method the document does not give the path: 405 with the methods it does.
        let patch = try fixture.request("PATCH", "/v3/pet/42", token: pets, body: "{}")
        XCTAssertEqual(patch.status, 405)
        XCTAssertEqual(patch.header("Allow"), "DELETE, GET, HEAD, POST")

        // Public as the document says (no security anywhere on /user): no token needed.
        let user = try fixture.request("GET", "/v3/user/alice")
        XCTAssertEqual(user.status, 200)
        XCTAssertEqual(try user.json()["path"] as? String, "/v3/user/alice")
        // /store/inventory takes only an api_key, which the gateway cannot check: not routed.
        XCTAssertEqual(try fixture.request("GET", "/v3/store/inventory", token: pets).status, 404)
        // A variable matches one whole, non-empty segment; an empty one is no segment.
        XCTAssertEqual(try fixture.request("GET", "/v3/pet//uploadImage").status, 401,
                       "//: normalised to /v3/pet/uploadImage, decided by /v3/pet/{petId}")
        XCTAssertEqual(try lastDenial()["route"] as? String, "/v3/pet/{petId}")
        XCTAssertEqual(try lastDenial()["path"] as? String, "/v3/pet/uploadImage")
    }
}
