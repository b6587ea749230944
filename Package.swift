// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "passline",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "PassBuilder", targets: ["PassBuilder"]),
        .executable(name: "passline", targets: ["passline"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
    ],
    targets: [
        // System OpenSSL libcrypto: CMS signing/verification and credential loading (PEM, encrypted PEM, legacy .p12).
        .target(
            name: "CPassCrypto",
            linkerSettings: [.linkedLibrary("crypto"), .linkedLibrary("z")]
        ),
        // libzip, for reading any .pkpass (deflated or stored); writing uses our own deterministic writer.
        .systemLibrary(name: "CZip", pkgConfig: "libzip", providers: [.apt(["libzip-dev"])]),
        .target(
            name: "PassBuilder",
            dependencies: [
                "CPassCrypto",
                "CZip",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),
        .executableTarget(
            name: "passline",
            dependencies: [
                "PassBuilder",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "PasslineBenchmarks",
            dependencies: ["PassBuilder"],
            path: "Benchmarks/PasslineBenchmarks"
        ),
        .testTarget(
            name: "PassBuilderTests",
            dependencies: ["PassBuilder"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
