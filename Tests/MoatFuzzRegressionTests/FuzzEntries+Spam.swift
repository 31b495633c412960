@testable import MoatSpam

/// Entry points of the MoatSpam fuzz targets (see `MessageFuzzEntries` for why they live here).
enum SpamFuzzEntries {
    /// One Received header's value (unfolded text, as the relay path passes it).
    static func received(_ data: [UInt8]) {
        blackHole(ReceivedParser.parse(String(decoding: data, as: UTF8.self)))
    }

    /// The spam engine's HTML rendering (visible text, colours, entity decoding).
    static func spamHTML(_ data: [UInt8]) {
        blackHole(HTMLRendering(String(decoding: data, as: UTF8.self)))
    }

    /// A rule pattern narrowed to ASCII text (rule files are the operator's, but a reader of
    /// expressions must not trap on any of them).
    static func asciiPattern(_ data: [UInt8]) {
        blackHole(ASCIIPattern.narrow(String(decoding: data, as: UTF8.self)))
    }

    /// A link's host and its registrable domain (the URI block list rules' questions).
    static func uriHosts(_ data: [UInt8]) {
        let registry = RegistryBoundaries(topLevel: ["com", "uk", "test"], twoLevel: ["co.uk"], threeLevel: ["pvt.k12.uk"])
        blackHole(URIHost.of(data).flatMap(registry.trim))
    }
}
