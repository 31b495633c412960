import MoatCore

@testable import MoatExternal

/// Entry points for what the external engines read from their peers (spamd, rspamd, clamd, an
/// ICAP server): a peer may be broken, old or not what the manifest says, and must never stop the
/// process that asked it.
enum ExternalFuzzEntries {
    /// The first byte picks the codec; the rest is the peer's answer.
    static func answer(_ data: [UInt8]) {
        guard let selector = data.first else { return }
        let bytes = Array(data.dropFirst())
        switch selector % 5 {
        case 0: blackHole(SpamdMessages.parse(bytes, command: .symbols))
        case 1: blackHole(SpamdMessages.parse(bytes, command: .report))
        case 2: blackHole(RspamdMessages.parse(bytes))
        case 3: blackHole(ClamdProtocol.parse(bytes))
        default: heads(bytes)
        }
    }

    /// An ICAP or HTTP head, its Encapsulated offsets, and chunk-size lines, with the properties
    /// the readers rely on: sizes and offsets are never negative, offsets never go down.
    static func heads(_ bytes: [UInt8]) {
        if let head = WireHead.parse(bytes) {
            blackHole(head.statusCode)
            if let value = head["Encapsulated"], let entities = ICAPMessages.encapsulated(value) {
                precondition(entities.allSatisfy { $0.offset >= 0 } && zip(entities, entities.dropFirst()).allSatisfy { $0.offset <= $1.offset })
            }
        }
        for line in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
            if let size = ChunkedBody.size(ofLine: Array(line)) { precondition(size >= 0, "negative chunk size \(size)") }
        }
    }
}
