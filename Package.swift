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
    ],
    targets: [
        // C shims: a module map and one header each, nothing else.
        .systemLibrary(name: "CClamAV", pkgConfig: "libclamav", providers: [.apt(["libclamav-dev"])]),
        .systemLibrary(name: "CMagic", pkgConfig: "libmagic", providers: [.apt(["libmagic-dev"])]),
        .systemLibrary(name: "CArchive", pkgConfig: "libarchive", providers: [.apt(["libarchive-dev"])]),

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
        // The catalogue of engine adapters: the one place that knows every engine target.
        .target(name: "MoatAdapters", dependencies: ["MoatCore", "MoatPattern", "MoatClamAV", "MoatFileType", "MoatMacro"]),
        // Engines: each depends on MoatCore (and its own C shims), never on another engine.
        .target(name: "MoatPattern", dependencies: ["MoatCore", "MoatMessage"]),
        .target(name: "MoatClamAV", dependencies: ["MoatCore", "MoatMessage", "CClamAV"]),
        .target(name: "MoatFileType", dependencies: ["MoatCore", "MoatMessage", "CMagic", "CArchive"]),
        .target(name: "MoatMacro", dependencies: ["MoatCore", "MoatMessage", "CArchive"]),
        .executableTarget(
            name: "moat",
            dependencies: [
                "MoatCore", "MoatMessage", "MoatAdapters", "MoatMilter",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "moatd",
            dependencies: [
                "MoatCore", "MoatMilter", "MoatAdapters",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(name: "MoatMessageTests", dependencies: ["MoatMessage"]),
        .testTarget(name: "MoatCoreTests", dependencies: ["MoatCore", "MoatMessage"]),
        .testTarget(name: "MoatPatternTests", dependencies: ["MoatPattern", "MoatCore", "MoatMessage"]),
        .testTarget(name: "MoatClamAVTests", dependencies: ["MoatClamAV", "MoatCore", "MoatMessage"]),
        .testTarget(name: "MoatFileTypeTests", dependencies: ["MoatFileType", "MoatCore", "MoatMessage"]),
        .testTarget(name: "MoatMacroTests", dependencies: ["MoatMacro", "MoatCore", "MoatMessage"]),
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
    swiftLanguageModes: [.v6]
)
