import Foundation
import OpenAPIKit

/// The base path routes are put under: the path of the document's first server URL (OpenAPI 3.1
/// §4.8.5, "Server Object"), its `{variables}` replaced by their defaults, without a trailing
/// `/`; `""` when there is no server, the URL has no path, or `--base-path ""` is given.
enum ServerBasePath {
    /// The base path of `server`, or why it cannot be one.
    static func of(_ server: OpenAPI.Server) -> Result<String, RoutePrefixTemplate.Problem> {
        var url = server.urlTemplate.absoluteString
        for (name, variable) in server.variables {
            url = url.replacingOccurrences(of: "{\(name)}", with: variable.default)
        }
        return path(ofURL: url)
    }

    /// `https://api.example.com/v1/` -> `/v1`, `/v3` -> `/v3`, `https://host` -> `""`.
    static func path(ofURL url: String) -> Result<String, RoutePrefixTemplate.Problem> {
        var rest = Substring(url)
        if let end = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) { rest = rest[..<end] }
        if let scheme = rest.range(of: "://") {
            let authority = rest[scheme.upperBound...]
            rest = authority.firstIndex(of: "/").map { authority[$0...] } ?? ""
        } else if !rest.isEmpty && !rest.hasPrefix("/") {
            rest = "/" + rest
        }
        return normalised(String(rest))
    }

    /// `path` (a `--base-path` or a server URL's path) as a base path: `""` or `/a/b`.
    static func normalised(_ path: String) -> Result<String, RoutePrefixTemplate.Problem> {
        guard !path.isEmpty, path != "/" else { return .success("") }
        let absolute = path.hasPrefix("/") ? path : "/" + path
        if absolute.contains("{") { return .failure(.init("\"\(path)\" still holds a template variable")) }
        switch RoutePrefixTemplate.prefix(basePath: "", path: absolute) {
        case .success(let prefix): return .success(prefix == "/" ? "" : prefix)
        case .failure(let problem): return .failure(problem)
        }
    }
}
