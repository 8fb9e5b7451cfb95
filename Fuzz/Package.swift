// swift-tools-version:6.0
// libFuzzer targets for every parser of untrusted bytes in ScopeGate (issue 13). Built only by
// `scripts/fuzz.sh` (`swift build -c release --sanitize fuzzer`): an executable here has no
// `main` of its own (libFuzzer's is linked in), so a plain `swift build` of this package fails
// at link time by design. The root package never sees this directory.
import PackageDescription

let targets = [
    "FuzzRequestTarget", "FuzzRequestHead", "FuzzBearer", "FuzzToken",
    "FuzzJWKS", "FuzzCacheControl", "FuzzResponseHead", "FuzzConfig", "FuzzOpenAPI",
]

let package = Package(
    name: "ScopeGateFuzz",
    platforms: [.macOS(.v14)],
    dependencies: [
        // Named, so the product reference below holds whatever the clone's directory is called.
        .package(name: "ScopeGate", path: ".."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "4.1.0"..<"5.0.0"),
    ],
    targets: [
        // What every target shares: a real configuration, key set and access policy built
        // once per process, the fixed clock, and the invariant check that ends a run.
        .target(
            name: "FuzzSupport",
            dependencies: [
                .product(name: "ScopeGate", package: "ScopeGate"),
                .product(name: "ScopeGateDemo", package: "ScopeGate"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
    ] + targets.map { name in
        .executableTarget(
            name: name,
            dependencies: [
                "FuzzSupport",
                .product(name: "ScopeGate", package: "ScopeGate"),
                .product(name: "ScopeGateDemo", package: "ScopeGate"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ] + (name == "FuzzOpenAPI" ? [.product(name: "ScopeGateOpenAPI", package: "ScopeGate")] : [])
        )
    }
)
