import MailTestSupport
import Testing
@testable import MoatSpam

/// The selector parser reads specs as the split-based reading it replaced did.
@Suite struct HeaderSelectorParsingTests {
    /// The previous parser: split at every ":", the first piece the name, the rest modifiers.
    private static func reference(_ spec: Substring) -> (String, [Bool], Bool) {
        let pieces = spec.split(separator: ":", omittingEmptySubsequences: false)
        var flags = [false, false, false, false, false]
        for modifier in pieces.dropFirst() {
            switch modifier {
            case "raw": flags[0] = true
            case "addr": flags[1] = true
            case "name": flags[2] = true
            case "first": flags[3] = true
            case "last": flags[4] = true
            default: break
            }
        }
        let name = String(pieces.first ?? "")
        return (name, flags, name.lowercased().hasPrefix("x-spam-relays-"))
    }

    @Test func agreesWithTheSplitReading() {
        var random = TestRandom(seed: 0x5E1E_C700_0000_0011)
        let pieces = [":", ":raw", ":addr", ":name", ":first", ":last", "raw", "From", "X-Spam-Relays-", "x-spam-relays-",
                      "X-SPAM-RELAYS-", "External", "ALL", "", "\u{301}", "é", "K", "\u{212A}", "-", "Subject", "RAW"]
        var relays = 0
        var modified = 0
        for text in random.texts(from: pieces, count: 30_000, maxPieces: 6) + ["", ":", "::", "From:", ":addr", "From::addr:", "X-Spam-Relays-\u{301}External"] {
            let spec = Substring(text)
            let selector = HeaderSelector(parsing: spec)
            let (name, flags, namesRelays) = Self.reference(spec)
            #expect(selector.name == name, "\(Array(text.unicodeScalars))")
            #expect([selector.raw, selector.address, selector.displayName, selector.first, selector.last] == flags, "\(text)")
            #expect(selector.namesRelays == namesRelays, "\(Array(text.unicodeScalars))")
            if namesRelays { relays += 1 }
            if flags.contains(true) { modified += 1 }
        }
        // Both answers must come up often, or the comparison proves little.
        #expect(relays > 1_000)
        #expect(modified > 5_000)
    }
}
