/// One frame between `moatd` and a worker: a 4-byte big-endian length (of kind and payload), a kind
/// byte, then the payload. The message travels once per scan, in the `scan` frame.
package struct WorkerFrame: Sendable, Equatable {
    package enum Kind: UInt8, Sendable {
        /// Worker → parent: engines loaded (JSON `WorkerReady`); also the answer to `reload`.
        case ready = 0x52 // R
        /// Parent → worker: scan a message (the binary `ScanRequestHeader`'s length, the header, the raw message).
        case scan = 0x53 // S
        /// Worker → parent: an engine starts on a request (binary `EngineProgress`).
        case begin = 0x42 // B
        /// Worker → parent: an engine's verdict (binary `WireVerdict`).
        case verdict = 0x56 // V
        /// Worker → parent: a request is complete (binary `EngineProgress` with no engine).
        case done = 0x44 // D
        /// Parent → worker: re-read the engine manifests.
        case reload = 0x4C // L
        /// Worker → parent: an engine overran its deadline and still runs; replace this worker.
        case retire = 0x58 // X
        /// Parent → worker: the MTA abandoned a request (ABORT or a dropped connection); cancel its
        /// engines (binary `EngineProgress` with no engine).
        case cancel = 0x43 // C
    }

    package var kind: Kind
    package var payload: [UInt8]

    package init(kind: Kind, payload: [UInt8]) {
        self.kind = kind
        self.payload = payload
    }

    /// The bytes on the wire.
    package func encoded() -> [UInt8] {
        let length = UInt32(truncatingIfNeeded: payload.count + 1)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(payload.count + 5)
        bytes.append(UInt8(truncatingIfNeeded: length >> 24))
        bytes.append(UInt8(truncatingIfNeeded: length >> 16))
        bytes.append(UInt8(truncatingIfNeeded: length >> 8))
        bytes.append(UInt8(truncatingIfNeeded: length))
        bytes.append(kind.rawValue)
        bytes.append(contentsOf: payload)
        return bytes
    }

    /// A scan frame's payload: the header's length, the header, then the message.
    package static func scanPayload(header: [UInt8], message: [UInt8]) -> [UInt8] {
        let length = UInt32(truncatingIfNeeded: header.count)
        var bytes: [UInt8] = [
            UInt8(truncatingIfNeeded: length >> 24), UInt8(truncatingIfNeeded: length >> 16),
            UInt8(truncatingIfNeeded: length >> 8), UInt8(truncatingIfNeeded: length),
        ]
        bytes.reserveCapacity(4 + header.count + message.count)
        bytes.append(contentsOf: header)
        bytes.append(contentsOf: message)
        return bytes
    }

    /// Splits a scan payload into header and message; nil when the lengths do not add up.
    package static func splitScanPayload(_ payload: [UInt8]) -> (header: ArraySlice<UInt8>, message: ArraySlice<UInt8>)? {
        guard payload.count >= 4 else { return nil }
        let length = Int(payload[0]) << 24 | Int(payload[1]) << 16 | Int(payload[2]) << 8 | Int(payload[3])
        guard length <= payload.count - 4 else { return nil }
        return (payload[4..<(4 + length)], payload[(4 + length)...])
    }
}
