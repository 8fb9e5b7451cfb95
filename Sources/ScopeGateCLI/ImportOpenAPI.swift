import ArgumentParser
import Foundation
import ScopeGateOpenAPI

/// `scopegate import-openapi SPEC --backend NAME [--base-path P] [--merge gateway.json]`: an OpenAPI 3.0 or 3.1 document
/// (YAML or JSON) as `gateway.json` routes and an `api.scopes` catalog. Wiring only: the work is
/// in ScopeGateOpenAPI (``OpenAPIDocumentLoader``, ``OpenAPIImporter``).
///
/// Standard output: `{"api": {"scopes": [...]}, "routes": [...]}`, or with `--merge` the whole
/// config with them added (``GatewayConfigMerge``). Standard error: one
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

    @Option(help: "Print this gateway.json with the routes and scopes added (existing prefixes and scope names are kept) instead of the routes alone.")
    var merge: String?

    func run() throws {
        let bytes: Data
        do {
            bytes = try Data(contentsOf: URL(fileURLWithPath: spec))
        } catch {
            printError("\(spec): cannot read: \(error.localizedDescription)")
            throw ExitCode(1)
        }
        let result: OpenAPIImport
        do throws(OpenAPIImportError) {
            result = try OpenAPIImporter.routes(from: try OpenAPIDocumentLoader.load(bytes), backend: backend, basePath: basePath)
            for finding in result.findings { printError(finding.description) }
            guard !result.routes.isEmpty else { throw OpenAPIImportError.nothingMapped }
        } catch {
            printError("\(spec): \(error)")
            throw ExitCode(1)
        }
        if let merge {
            let merged: (json: String, findings: [ImportFinding])
            do {
                merged = try GatewayConfigMerge.merge(result, into: try Data(contentsOf: URL(fileURLWithPath: merge)), backend: backend)
            } catch {
                printError("\(merge): cannot merge into it: \(error)")
                throw ExitCode(1)
            }
            for finding in merged.findings { printError("\(merge): \(finding)") }
            print(merged.json)
        } else {
            print(result.json)
        }
        printError("\(spec): \(result.routes.count) route\(result.routes.count == 1 ? "" : "s"), \(result.scopes.count) catalog scope\(result.scopes.count == 1 ? "" : "s"), \(result.findings.count) finding\(result.findings.count == 1 ? "" : "s")")
    }
}
