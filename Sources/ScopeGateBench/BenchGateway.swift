import ScopeGateCore

/// The gateway configuration `routes` and `decide` run against: 50 routes over 8 services,
/// nested up to 3 segments below a service (`/api/v1/S`, `/api/v1/S/search`,
/// `/api/v1/S/export/csv`, `/api/v2/S`, `/api/v2/S/batch`) plus `/admin...`, public and
/// webhook routes; no `/` route, so unknown paths get 404.
enum BenchGateway {
    static let services = ["appointments", "calendar", "patients", "billing", "documents", "messages", "reports", "users"]

    static func config(api: APIConfig) -> GatewayConfig {
        func scopes(_ all: String...) -> MethodRule { .scopes(ScopeRequirement(allOf: all)) }
        var routes: [RouteConfig] = []
        var backends: [String: BackendConfig] = [:]
        for (index, service) in services.enumerated() {
            backends[service] = BackendConfig(name: service, url: "http://10.0.0.\(index + 1):8080")
            let read = scopes("read:\(service)"), write = scopes("write:\(service)"), admin = scopes("admin:\(service)")
            routes += [
                RouteConfig(prefix: "/api/v1/\(service)", backend: service, methods: ["GET": read, "POST": write, "DELETE": admin]),
                RouteConfig(prefix: "/api/v1/\(service)/search", backend: service, methods: ["GET": read]),
                RouteConfig(prefix: "/api/v1/\(service)/export/csv", backend: service, methods: [
                    "GET": .scopes(ScopeRequirement(anyOf: [["read:\(service)", "export:\(service)"], ["admin:\(service)"]])),
                ]),
                RouteConfig(prefix: "/api/v2/\(service)", backend: service, methods: ["GET": read, "*": write],
                            upstreamPrefix: "/v2"),
                RouteConfig(prefix: "/api/v2/\(service)/batch", backend: service, methods: ["POST": write], upstreamPrefix: "/v2/batch"),
            ]
        }
        backends["admin"] = BackendConfig(name: "admin", url: "http://10.0.1.1:8080")
        backends["web"] = BackendConfig(name: "web", url: "http://10.0.1.2:8080")
        routes += [
            RouteConfig(prefix: "/admin", backend: "admin", methods: ["*": scopes("admin")]),
            RouteConfig(prefix: "/admin/users", backend: "admin", methods: ["GET": scopes("admin", "read:users")]),
            RouteConfig(prefix: "/admin/users/roles", backend: "admin", methods: ["GET": scopes("admin", "read:roles")]),
            RouteConfig(prefix: "/admin/audit", backend: "admin", methods: ["GET": scopes("admin", "audit")]),
            RouteConfig(prefix: "/public", backend: "web", methods: ["GET": .public]),
            RouteConfig(prefix: "/public/docs", backend: "web", methods: ["GET": .public]),
            RouteConfig(prefix: "/static", backend: "web", methods: ["GET": .public], upstreamPrefix: "/"),
            RouteConfig(prefix: "/oauth/callback", backend: "web", methods: ["GET": .public, "POST": .public]),
            RouteConfig(prefix: "/webhooks/billing", backend: "billing", methods: ["POST": .scopes(ScopeRequirement(allOf: []))]),
            RouteConfig(prefix: "/feeds", backend: "calendar", methods: ["GET": scopes("read:calendar")]),
        ]
        precondition(routes.count == 50)
        return GatewayConfig(api: api, backends: backends, routes: routes)
    }
}
