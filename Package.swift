// swift-tools-version:6.0
import Foundation
import PackageDescription

/// Linker map that keeps TOMLKit's C shim symbols out of the dynamic symbol table (see the file).
let symbolMap = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path + "/linker/hide-c-shim-symbols.map"

let package = Package(
    name: "Moat",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "moat", targets: ["moat"]),
        .executable(name: "moatd", targets: ["moatd"]),
        .library(name: "MoatCore", targets: ["MoatCore"]),
        .library(name: "MoatMessage", targets: ["MoatMessage"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    ],
    targets: [
        // C shims: a module map and one header each, nothing else.
        .systemLibrary(name: "CClamAV", pkgConfig: "libclamav", providers: [.apt(["libclamav-dev"])]),
        .systemLibrary(name: "CMagic", pkgConfig: "libmagic", providers: [.apt(["libmagic-dev"])]),
        .systemLibrary(name: "CArchive", pkgConfig: "libarchive", providers: [.apt(["libarchive-dev"])]),
        .systemLibrary(name: "CPCRE2", pkgConfig: "libpcre2-8", providers: [.apt(["libpcre2-dev"])]),
        .systemLibrary(name: "CHyperscan", pkgConfig: "libhs", providers: [.apt(["libhyperscan-dev"])]),
        .systemLibrary(name: "CZbar", pkgConfig: "zbar", providers: [.apt(["libzbar-dev"])]),
        // zxing-cpp (C++ only) behind a C function: the second QR decoder behind zbar.
        .target(name: "CZXingShim", linkerSettings: [.linkedLibrary("ZXing")]),
        // The C face of qpdf (C++): a PDF's active content counted and removed.
        .target(name: "CQPDFShim", linkerSettings: [.linkedLibrary("qpdf")]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        // zlib alone (quarantined messages are kept compressed).
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CTurboJPEG", pkgConfig: "libturbojpeg", providers: [.apt(["libturbojpeg0-dev"])]),
        .systemLibrary(name: "CWebP", pkgConfig: "libwebp", providers: [.apt(["libwebp-dev"])]),
        // No pkgConfig: libunbound.pc requires libevent.pc, which only libevent-dev brings; the header and library are in the default paths.
        .systemLibrary(name: "CUnbound", providers: [.apt(["libunbound-dev"])]),

        .target(name: "MoatMessage"),
        .target(
            name: "MoatCore",
            dependencies: [
                "MoatMessage",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            linkerSettings: [.unsafeFlags(["-Xlinker", "--version-script=\(symbolMap)"])]
        ),
        .target(
            name: "MoatMilter",
            dependencies: [
                "MoatCore",
                "MoatMessage",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Persistence: verdict log, feedback, state changes, quarantine (SQLite or PostgreSQL).
        .target(
            name: "MoatStore",
            dependencies: [
                "MoatCore", "MoatCompression",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Outbound protection: hijacked-account detection, mis-send guards, send-hold and recall.
        .target(
            name: "MoatOutbound",
            dependencies: [
                "MoatCore", "MoatMessage", "MoatStore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Admin HTTP API, metrics, and the supervisor that applies feedback and removal policies.
        .target(
            name: "MoatAdmin",
            dependencies: [
                "MoatCore", "MoatMessage", "MoatStore", "MoatAdapters", "MoatTraining", "MoatOutbound",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Several moatd on one PostgreSQL: shared engine states, pooled feedback, one policy evaluator.
        .target(
            name: "MoatCluster",
            dependencies: [
                "MoatAdmin", "MoatCore", "MoatStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The operators' web console, served on the admin listener (server-rendered, no script).
        .target(
            name: "MoatConsole",
            dependencies: [
                "MoatAdmin", "MoatCore", "MoatStore", "MoatMessage",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The benchmark runner (accuracy, what-if) and the rule author's workflow (fixtures, lint).
        .target(name: "MoatBench", dependencies: ["MoatCore", "MoatMessage"]),
        .target(name: "MoatRuleKit", dependencies: ["MoatCore", "MoatMessage", "MoatSpam"]),
        // DNS for engines: libunbound (caching, TTLs, negative answers) driven from its own thread.
        .target(name: "MoatDNS", dependencies: ["MoatCore", "CUnbound"]),
        // Sender authentication: SPF, DKIM (RFC 6376/8463), DMARC and the `auth` engine.
        .target(name: "MoatAuth", dependencies: [
            "MoatCore", "MoatMessage", "MoatDNS",
            .product(name: "Crypto", package: "swift-crypto"), .product(name: "_CryptoExtras", package: "swift-crypto"),
        ]),
        // The learned combiner's trainer: logistic regression, folds, calibration, thresholds.
        .target(name: "MoatTraining", dependencies: ["MoatCore"]),
        // The catalogue of engine adapters: the one place that knows every engine target.
        .target(name: "MoatAdapters", dependencies: ["MoatCore", "MoatFaultEngine", "MoatPattern", "MoatClamAV", "MoatFileType", "MoatMacro", "MoatURL", "MoatSpam", "MoatExternal", "MoatAuth", "MoatPDF", "MoatHTMLDisarm", "MoatConvert"]),
        // Crash isolation: supervised worker processes that run the engines (moatd --worker).
        // The frames between moatd and its workers: read by the parent from a process a message may
        // have broken, so a module of its own that the wire fuzz target builds without the rest.
        .target(name: "MoatWire", dependencies: ["MoatCore"]),
        .target(
            name: "MoatIsolation",
            dependencies: [
                "MoatCore", "MoatMessage", "MoatWire",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Test-only engine that crashes on a marker; in the catalog only with MOAT_TEST_ENGINES=1.
        .target(name: "MoatFaultEngine", dependencies: ["MoatCore"]),
        // Engines: each depends on MoatCore (and its own C shims), never on another engine.
        .target(name: "MoatPattern", dependencies: ["MoatCore", "MoatMessage"]),
        .target(name: "MoatClamAV", dependencies: ["MoatCore", "MoatMessage", "CClamAV", .product(name: "Crypto", package: "swift-crypto")]),
        // libarchive, wrapped once: the filetype engine's archive walk and the macro engine's zip reader and writer.
        .target(name: "MoatArchive", dependencies: ["CArchive"]),
        .target(name: "MoatFileType", dependencies: ["MoatCore", "MoatMessage", "CMagic", "MoatArchive"]),
        // zlib: PowerPoint 97-2003 keeps its VBA project zlib-compressed.
        // zlib, once: inflate with a cap, deflate (macro, url and store targets).
        .target(name: "MoatCompression", dependencies: ["CZlib"]),
        .target(name: "MoatMacro", dependencies: ["MoatCore", "MoatMessage", "MoatArchive", "MoatCompression"]),
        // PDF active content (JavaScript, actions, embedded files, XFA) found and removed with qpdf.
        .target(name: "MoatPDF", dependencies: ["MoatCore", "MoatMessage", "CQPDFShim"]),
        // Conversion mode: attachments delivered as PDF or text through LibreOffice headless.
        .target(name: "MoatConvert", dependencies: ["MoatCore", "MoatMessage"]),
        // HTML attachments made inert (scripts, handlers, script URLs, forms, redirects), smuggled blobs found.
        .target(name: "MoatHTMLDisarm", dependencies: ["MoatCore", "MoatMessage"]),
        .target(
            name: "MoatExternal",
            dependencies: [
                "MoatCore", "MoatMessage",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .target(
            name: "MoatSpam",
            dependencies: ["MoatCore", "MoatMessage", "CPCRE2", "CHyperscan", .product(name: "GRDB", package: "GRDB.swift"), "MoatDNS"]
        ),
        .target(name: "MoatURL", dependencies: ["MoatCore", "MoatMessage", "MoatDNS", "CZbar", "CZXingShim", "CPNG", "MoatCompression", "CTurboJPEG", "CWebP"]),
        .executableTarget(
            name: "moat",
            dependencies: [
                "MoatCore", "MoatMessage", "MoatAdapters", "MoatMilter", "MoatSpam", "MoatBench", "MoatRuleKit",
                "MoatStore", "MoatAdmin", "MoatTraining", "MoatAuth",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            // mimalloc replaces glibc's malloc for the whole process (see MemoryAllocator).
            linkerSettings: [.linkedLibrary("mimalloc")]
        ),
        .executableTarget(
            name: "moatd",
            dependencies: [
                "MoatCore", "MoatMilter", "MoatAdapters", "MoatIsolation",
                "MoatAdmin", "MoatCluster", "MoatConsole", "MoatStore", "MoatOutbound", .product(name: "Prometheus", package: "swift-prometheus"), .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            linkerSettings: [.linkedLibrary("mimalloc")]
        ),
        .testTarget(name: "MoatMessageTests", dependencies: ["MailTestSupport", "MoatMessage"]),
        .testTarget(name: "MoatCoreTests", dependencies: ["MoatCore", "MoatMessage"]),
        .testTarget(name: "MoatIsolationTests", dependencies: ["MoatIsolation", "MoatWire", "MoatCore", "MoatMessage"]),
        .testTarget(name: "MoatPatternTests", dependencies: ["MoatPattern", "MoatCore", "MoatMessage"]),
        .testTarget(name: "MoatClamAVTests", dependencies: ["MailTestSupport", "MoatClamAV", "MoatCore", "MoatMessage"]),
        .testTarget(name: "MoatBenchTests", dependencies: ["MoatBench", "MoatPattern", "MoatCore", "MoatMessage"]),
        .testTarget(name: "MoatRuleKitTests", dependencies: ["MoatRuleKit", "MoatPattern", "MoatSpam", "MoatCore", "MoatMessage"]),
        .testTarget(name: "MoatStoreTests", dependencies: ["MoatStore", "MoatCore", "PostgresTestSupport"]),
        .testTarget(name: "MoatClusterTests", dependencies: [
            "MoatCluster", "MoatAdmin", "MoatStore", "MoatCore", "MoatSpam", "MoatMessage", "AdminTestSupport", "PostgresTestSupport",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "MoatOutboundTests", dependencies: [
            "MoatOutbound", "MoatStore", "MoatCore", "MoatMessage", .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "MoatAuthTests", dependencies: [
            "MoatAuth", "MoatMessage", "MoatDNS", "MoatCore", "MoatMilter", "MoatAdapters", "DNSTestSupport", .product(name: "Logging", package: "swift-log"),
        ], resources: [.copy("Fixtures")]),
        .testTarget(name: "MoatDNSTests", dependencies: ["MoatDNS", "DNSTestSupport"]),
        // A real DNS server (dnsmasq) on loopback for the DNS and authentication tests.
        .target(name: "DNSTestSupport", path: "Tests/DNSTestSupport"),
        // Well-formed MIME messages for every suite's tests, built one way.
        .target(name: "MailTestSupport", dependencies: ["MoatCompression"], path: "Tests/MailTestSupport"),
        // A throwaway PostgreSQL cluster for the tests that need the real server.
        .target(name: "PostgresTestSupport", path: "Tests/PostgresTestSupport"),
        // A daemon without sockets (runtime, SQLite store, supervisor, admin API) for API and console tests.
        .target(
            name: "AdminTestSupport",
            dependencies: [
                "MoatAdmin", "MoatStore", "MoatCore", "MoatMessage", "MoatAdapters",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/AdminTestSupport"
        ),
        .testTarget(name: "MoatTrainingTests", dependencies: ["MoatTraining", "MoatCore"], exclude: ["Fixtures"]),
        .testTarget(
            name: "MoatConsoleTests",
            dependencies: [
                "MoatConsole", "MoatAdmin", "MoatStore", "MoatCore", "MoatMessage", "AdminTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "MoatAdminTests",
            dependencies: [
                "MoatAdmin", "MoatStore", "MoatCore", "MoatMessage", "MoatAdapters", "AdminTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "InMemoryLogging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "MoatFileTypeTests", dependencies: ["MailTestSupport", "MoatFileType", "MoatCore", "MoatMessage"]),
        .testTarget(name: "MoatExternalTests", dependencies: ["MailTestSupport", "MoatExternal", "MoatCore", "MoatMessage"]),
        .testTarget(name: "MoatSpamTests", dependencies: ["MailTestSupport", "MoatSpam", "MoatCore", "MoatMessage", "DNSTestSupport", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "MoatURLTests", dependencies: ["MailTestSupport", "MoatURL", "MoatCore", "MoatMessage", "MoatDNS", "DNSTestSupport"]),
        .testTarget(name: "MoatMacroTests", dependencies: ["MailTestSupport", "MoatMacro", "MoatArchive", "MoatCore", "MoatMessage"]),
        .testTarget(name: "MoatCompressionTests", dependencies: ["MoatCompression"]),
        .testTarget(name: "MoatPDFTests", dependencies: ["MailTestSupport", "MoatPDF", "MoatCore", "MoatMessage"]),
        .testTarget(name: "MoatConvertTests", dependencies: ["MailTestSupport", "MoatConvert", "MoatCore", "MoatMessage"]),
        .testTarget(name: "MoatHTMLDisarmTests", dependencies: ["MailTestSupport", "MoatHTMLDisarm", "MoatCore", "MoatMessage"]),
        .testTarget(
            name: "MoatFuzzRegressionTests",
            dependencies: [
                "MoatMessage", "MoatURL", "MoatMacro", "MoatArchive", "MoatSpam", "MoatMilter", "MoatAuth", "MoatDNS", "MoatPDF", "MoatHTMLDisarm", "MoatConsole",
                "MoatWire", "MoatCore", "MoatExternal",
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "MoatMilterTests",
            dependencies: [
                "MoatMilter", "MoatCore", "MoatMessage",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6],
    cxxLanguageStandard: .cxx17
)

// Fuzz targets whose code needs MoatCore (and so NIO): `Tests/Fuzz/fuzz.sh` builds them with
// SwiftPM, every module instrumented, when MOAT_FUZZ_SPM is set; other builds never see them.
if ProcessInfo.processInfo.environment["MOAT_FUZZ_SPM"] != nil {
    package.targets += [
        .executableTarget(
            name: "FuzzWire", dependencies: ["MoatWire", "MoatCore", "MoatMessage"], path: "Tests/Fuzz/SwiftPM/wire",
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        ),
        .executableTarget(
            name: "FuzzExternal", dependencies: ["MoatExternal", "MoatCore"], path: "Tests/Fuzz/SwiftPM/external",
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        ),
        .executableTarget(
            name: "FuzzMilter", dependencies: ["MoatMilter", .product(name: "NIOCore", package: "swift-nio")],
            path: "Tests/Fuzz/SwiftPM/milter", swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        ),
    ]
}
