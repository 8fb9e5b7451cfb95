// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "ScopeGate",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "scopegate", targets: ["ScopeGateCLI"]),
        .executable(name: "scopegate-bench", targets: ["ScopeGateBench"]),
        .library(name: "ScopeGate", targets: ["ScopeGateCore", "ScopeGateObservability", "ScopeGateUpstream", "ScopeGateServer"]),
        .library(name: "ScopeGateDemo", targets: ["ScopeGateDemo"]),
        .library(name: "ScopeGateOpenAPI", targets: ["ScopeGateOpenAPI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        // Already built for jwt-kit; declared for SHA-256 (the verification cache) and HMAC.
        .package(url: "https://github.com/apple/swift-crypto.git", "4.1.0"..<"5.0.0"),
        // `/metrics` on the admin listener: swift-metrics instruments, exported by swift-prometheus.
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.1.0"),
        // Signals and the order of start and graceful stop in `scopegate serve`.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        // Already built for NIO and swift-prometheus; declared for the per-route metric handles.
        .package(url: "https://github.com/apple/swift-atomics.git", from: "1.2.0"),
        // `scopegate import-openapi`: OpenAPI 3.0/3.1 documents (OpenAPIKit) in YAML or JSON (Yams).
        .package(url: "https://github.com/mattpolzin/OpenAPIKit.git", exact: "6.4.0"),
        .package(url: "https://github.com/jpsim/Yams.git", exact: "6.2.2"),
    ],
    targets: [
        // libcurl through pkg-config; typed wrappers for its variadic C API live in shim.h.
        .systemLibrary(
            name: "CCurl",
            path: "Sources/CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        // The pure core: Config (model, loader, validation), JSON, Text, Auth, Policy. No NIO, no
        // curl: `serve` and `explain` take one decision, and the compiler keeps it pure.
        .target(
            name: "ScopeGateCore",
            dependencies: [
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The denial, access and lifecycle lines, the event log's writer thread, and the metrics.
        .target(
            name: "ScopeGateObservability",
            dependencies: [
                "ScopeGateCore",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Atomics", package: "swift-atomics"),
            ]
        ),
        // The upstream engine: libcurl's multi interface on its thread, a transfer, the backend pools.
        .target(
            name: "ScopeGateUpstream",
            dependencies: [
                "ScopeGateCore",
                "CCurl",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        // The server: NIO listeners, the head check, one exchange from client to upstream and
        // back, denials, drain and reload, the admin listener.
        .target(
            name: "ScopeGateServer",
            dependencies: [
                "ScopeGateCore",
                "ScopeGateObservability",
                "ScopeGateUpstream",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        // Tools, not library: the demo echo backend, the token minter and demo keys.
        .target(
            name: "ScopeGateDemo",
            dependencies: [
                "ScopeGateCore",
                "ScopeGateObservability",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The OpenAPI importer: an OpenAPI 3.0 or 3.1 document -> routes and a scope catalog for
        // gateway.json, with a report of what it could not map. Beside the core, which stays free of
        // OpenAPIKit and Yams; no NIO, no curl.
        .target(
            name: "ScopeGateOpenAPI",
            dependencies: [
                "ScopeGateCore",
                .product(name: "OpenAPIKit", package: "OpenAPIKit"),
                .product(name: "OpenAPIKit30", package: "OpenAPIKit"),
                .product(name: "OpenAPIKitCompat", package: "OpenAPIKit"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // `scopegate-bench`: micro-benchmarks of the per-request hot paths on one thread (run with -c release).
        .executableTarget(
            name: "ScopeGateBench",
            dependencies: ["ScopeGateCore", "ScopeGateObservability", "ScopeGateUpstream", "ScopeGateServer", "ScopeGateDemo"]
        ),
        // The `scopegate` executable: argument parsing and wiring only.
        .executableTarget(
            name: "ScopeGateCLI",
            dependencies: [
                "ScopeGateCore",
                "ScopeGateObservability",
                "ScopeGateServer",
                "ScopeGateDemo",
                "ScopeGateOpenAPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "ScopeGateTests",
            dependencies: [
                "ScopeGateCore",
                "ScopeGateObservability",
                "ScopeGateUpstream",
                "ScopeGateServer",
                "ScopeGateDemo",
                "ScopeGateOpenAPI",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            // The OpenAPI documents the import-openapi tests read by path (Fixtures/openapi/README.md).
            exclude: ["Fixtures"]
        ),
    ]
)
