import ArgumentParser
import Foundation
import ScopeGateOpenAPI

/// `scopegate import-openapi SPEC --backend NAME [--base-path P]`: an OpenAPI 3.0 or 3.1 document
/// (YAML or JSON) as `gateway.json` routes and an `api.scopes` catalog. Wiring only: the work is
/// in ScopeGateOpenAPI (``OpenAPIDocumentLoader``, ``OpenAPIImporter``).
///
/// Standard output: `{"api": {"scopes": [...]}, "routes": [...]}`. Standard error: one
/// `<location>: <message>` line per thing not mapped as the document says. Exit status 0 when
/// a route was mapped, 1 when the document cannot be read or nothing could be mapped.
struct ImportOpenAPI: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-openapi",
        abstract: "Print gateway.json routes and a scope catalog for an OpenAPI 3.0 or 3.1 document (YAML or JSON).",
        discussion: """
        Routes and api.scopes go to standard output as JSON; what could not be mapped (with its location in \
        the document) to standard error. Exit status: 0 when routes were printed, 1 when the document cannot \
        be read or nothing could be mapped.
        """)

    @Argument(help: "The OpenAPI document (YAML or JSON).")
    var spec: String

    @Option(help: "The backend (a key of `backends` in gateway.json) every route forwards to.")
    var backend: String

    @Option(name: .customLong("base-path"), help: "Put the routes under this path instead of the first server URL's path (\"\" for none).")
    var basePath: String?

    func run() throws {
        let bytes: Data
        do {
            bytes = try Data(contentsOf: URL(fileURLWithPath: spec))
        } catch {
            printError("\(spec): cannot read: \(error.localizedDescription)")
            throw ExitCode(1)
        }
        do throws(OpenAPIImportError) {
            let document = try OpenAPIDocumentLoader.load(bytes)
            let result = try OpenAPIImporter.routes(from: document, backend: backend, basePath: basePath)
            for finding in result.findings { printError(finding.description) }
            guard !result.routes.isEmpty else { throw OpenAPIImportError.nothingMapped }
            print(result.json)
            printError("\(spec): \(result.routes.count) route\(result.routes.count == 1 ? "" : "s"), \(result.scopes.count) catalog scope\(result.scopes.count == 1 ? "" : "s"), \(result.findings.count) finding\(result.findings.count == 1 ? "" : "s")")
        } catch {
            printError("\(spec): \(error)")
            throw ExitCode(1)
        }
    }
}
