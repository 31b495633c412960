@testable import MoatHTMLDisarm

/// Entry point of the `htmldisarm` fuzz target, shared with the regression replay.
enum HTMLDisarmFuzzEntries {
    /// Sanitises, then checks the result is a fixed point: sanitising the output again must find
    /// nothing active and change nothing. Anything else means the output still held markup this
    /// parser reads as active, which a browser could too.
    static func sanitize(_ data: [UInt8]) {
        let sanitizer = HTMLSanitizer()
        let first = sanitizer.sanitize(data)
        let second = sanitizer.sanitize(first.html)
        precondition(second.removed.counts.keys.allSatisfy { HTMLSanitizer.silentKinds.contains($0) }, "active markup survived: \(second.removed.counts)")
        precondition(second.html == first.html, "sanitising is not idempotent")
        blackHole(HTMLSmuggling.blobs(in: data).count &+ HTMLSmuggling.downloadCalls(in: data).count)
    }
}
