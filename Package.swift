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
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-http2.git", from: "1.46.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-openapi-generator.git", from: "1.14.3"),
        .package(url: "https://github.com/apple/swift-openapi-runtime.git", from: "1.13.4"),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird.git", from: "2.1.0"),
    ],
    targets: [
        // System OpenSSL libcrypto: CMS signing/verification and credential loading (PEM, encrypted PEM, legacy .p12).
        .target(
            name: "CPassCrypto",
            linkerSettings: [.linkedLibrary("crypto"), .linkedLibrary("z")]
        ),
        // libzip, for reading any .pkpass (deflated or stored); writing uses our own deterministic writer.
        .systemLibrary(name: "CZip", pkgConfig: "libzip", providers: [.apt(["libzip-dev"])]),
        // libcurl, for outbound HTTP (SMS gateways, webhooks) run on a thread pool.
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .target(
            name: "PassBuilder",
            dependencies: [
                "Core",
                "CPassCrypto",
                "CZip",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),
        // One copy of each building block: base64url, hex, random tokens, key derivation, the wake-up
        // signal, retry back-off, leases, idempotency keys, webhook signatures.
        .target(
            name: "Core",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")]
        ),
        // Pure loyalty domain: phones, money, tiers, accrual and debit rules, card numbers.
        .target(name: "Loyalty"),
        // Push dispatcher. Pure core (push tokens, outcome classification, retry policy, the HTTP/2
        // connection state machine) plus the APNs client and pool on swift-nio-http2/swift-nio-ssl,
        // and the dispatcher that drains an outbox through them.
        .target(
            name: "Push",
            dependencies: [
                "Core",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // A faithful mock of APNs (TLS + HTTP/2, fault injection) for tests, benchmarks and `passline dev apns-mock`.
        .target(
            name: "APNsMock",
            dependencies: [
                "Core",
                "Push",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // A fleet of simulated phones for the seeded devices: on each accepted push, what iOS does
        // (list changed serials, fetch each pass) over HTTP/1.1, for `passline dev apns-mock --fleet`.
        .target(
            name: "DeviceFleet",
            dependencies: [
                "PassBuilder",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
            ]
        ),
        // Distribution: signed download links, SMS gateways and message templates, QR codes.
        .target(
            name: "Distribution",
            dependencies: [
                "Core",
                "Loyalty",
                "CCurl",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // Bitrix24's wire formats and rules, pure: form-encoded events and robot calls, the
        // robots' contract, REST replies and their errors, deals and the accrual rule.
        .target(
            name: "Bitrix24",
            dependencies: ["Core", "Loyalty", "PassBuilder", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // A faithful Bitrix24 portal (REST methods, errors, limits, OAuth refresh) for tests and
        // `passline dev bitrix24-mock`.
        .target(
            name: "Bitrix24Mock",
            dependencies: [
                "Bitrix24", "Core", "PassBuilder",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Google Wallet: service-account OAuth, RS256 JWTs, the loyalty class/object REST client,
        // save links and the ECv2SigningOnly save/delete callbacks. Sends only through a closure it
        // is given.
        .target(
            name: "GoogleWallet",
            dependencies: [
                "Core",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        // A faithful Google Wallet (OAuth token endpoint, loyalty REST, quotas, faults, signed
        // callbacks) for tests and `passline dev google-mock`; shares no code with GoogleWallet.
        .target(
            name: "GoogleWalletMock",
            dependencies: [
                "Core",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Storage: one Store API on SQLite (default) and PostgreSQL; migrations.
        .target(
            name: "Storage",
            dependencies: [
                "Core",
                "PassBuilder",
                "Loyalty",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The designers' studio: a local web app drawing templates as Wallet lays them out.
        .target(
            name: "Studio",
            dependencies: [
                "PassBuilder",
                "Distribution",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The HTTP application: PassKit web service, /api/v1, operations.
        .target(
            name: "Server",
            dependencies: [
                "Core",
                "PassBuilder",
                "Loyalty",
                "Storage",
                "Push",
                "Distribution",
                "Bitrix24",
                "GoogleWallet",
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
            ],
            // /api/v1 is served from types generated from openapi.json (the contract's one source),
            // and the document itself is compiled in: the binary serves it with no file beside it.
            resources: [.embedInCode("openapi.json")],
            plugins: [.plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator")]
        ),
        .executableTarget(
            name: "passline",
            dependencies: [
                "PassBuilder",
                "Storage",
                "Server",
                "Push",
                "APNsMock",
                "DeviceFleet",
                "Bitrix24Mock",
                "GoogleWalletMock",
                "Studio",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "PasslineBenchmarks",
            dependencies: ["PassBuilder"],
            path: "Benchmarks/PasslineBenchmarks"
        ),
        .executableTarget(
            name: "LedgerBenchmark",
            dependencies: ["Storage", .product(name: "Logging", package: "swift-log")],
            path: "Benchmarks/LedgerBenchmark"
        ),
        .executableTarget(
            name: "PushBenchmark",
            dependencies: [
                "Push", "APNsMock", "PassBuilder", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"), .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Benchmarks/PushBenchmark"
        ),
        .executableTarget(
            name: "PushLatency",
            dependencies: ["Server", "Storage", "Loyalty", "PassBuilder", "APNsMock", .product(name: "Logging", package: "swift-log")],
            path: "Benchmarks/PushLatency"
        ),
        // What the test targets share: one database fixture, one TestServer, the seeded RNG,
        // scratch folders, processes (openssl, passline) and the development PKI.
        .target(
            name: "TestSupport",
            dependencies: [
                "Core", "PassBuilder", "Storage", "Server",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Tests/TestSupport"
        ),
        .testTarget(name: "CoreTests", dependencies: ["Core", "TestSupport"]),
        .testTarget(name: "PassBuilderTests", dependencies: ["Core", "PassBuilder", "TestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["Core", "PassBuilder", "TestSupport"]),
        .testTarget(
            name: "StudioTests",
            dependencies: [
                "Studio", "PassBuilder", "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(name: "PushTests", dependencies: ["Push", "APNsMock", "Core", "PassBuilder", "TestSupport"]),
        .testTarget(name: "DistributionTests", dependencies: ["Core", "Distribution", "TestSupport"]),
        .testTarget(name: "Bitrix24Tests", dependencies: ["Bitrix24", "Bitrix24Mock", "Loyalty", "PassBuilder", "Core", "Distribution", "TestSupport"]),
        .testTarget(name: "LoyaltyTests", dependencies: ["Core", "Loyalty", "TestSupport"]),
        .testTarget(
            name: "GoogleWalletTests",
            dependencies: [
                "GoogleWallet", "GoogleWalletMock", "Core", "Distribution", "TestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The dev seeder belongs to the CLI (`passline dev seed`); the broadcast store's tests seed with it.
        .testTarget(name: "StorageTests", dependencies: ["Storage", "PassBuilder", "passline", "TestSupport"]),
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "Core", "Server", "Storage", "PassBuilder", "Push", "APNsMock", "DeviceFleet", "Bitrix24", "Bitrix24Mock", "GoogleWallet", "GoogleWalletMock", "TestSupport", "passline",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
