/// The `cl_scan_options` bit sets Moat scans with, derived once from the manifest.
///
/// Every parser is on (`parse = ~0`). General `HEURISTICS` is always set because libclamav raises
/// `Heuristics.Limits.Exceeded.*` only with it; with `heuristics = false` only `EXCEEDS_MAX` is
/// enabled and any other heuristic alert is dropped when findings are made.
struct ClamAVScanOptions: Sendable, Hashable {
    var general: UInt32
    var parse: UInt32
    var heuristic: UInt32

    // Values from clamav.h (CL_SCAN_GENERAL_*, CL_SCAN_HEURISTIC_*), checked against libclamav 1.4.
    static let generalAllMatches: UInt32 = 0x1
    static let generalHeuristics: UInt32 = 0x4
    static let heuristicBroken: UInt32 = 0x2
    static let heuristicExceedsMax: UInt32 = 0x4
    static let heuristicPhishingCloak: UInt32 = 0x10
    static let heuristicMacros: UInt32 = 0x20
    static let heuristicEncryptedArchive: UInt32 = 0x40
    static let heuristicEncryptedDocument: UInt32 = 0x80
    static let parseMail: UInt32 = 0x40

    init(heuristics: Bool, allMatches: Bool) {
        general = Self.generalHeuristics | (allMatches ? Self.generalAllMatches : 0)
        parse = ~0
        heuristic = Self.heuristicExceedsMax
        if heuristics {
            heuristic |= Self.heuristicBroken | Self.heuristicPhishingCloak | Self.heuristicMacros
                | Self.heuristicEncryptedArchive | Self.heuristicEncryptedDocument
        }
    }

    /// The same options with ClamAV's mail parser off: the message is matched, not decoded.
    var withoutMailParsing: ClamAVScanOptions {
        var options = self
        options.parse &= ~Self.parseMail
        return options
    }
}
