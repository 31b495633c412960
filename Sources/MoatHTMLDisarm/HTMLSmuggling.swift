import Foundation

/// Signs of HTML smuggling: a payload carried inside the page as base64 (in a script or a `data:`
/// URL) that decodes to a program or an archive, and the script calls that hand a blob to the
/// user as a download.
public enum HTMLSmuggling {
    public struct Evidence: Sendable, Hashable {
        /// What the blob decodes to ("a Windows executable").
        public var kind: String
        /// Length of the base64 run.
        public var length: Int
    }

    /// File signatures of what smuggling delivers.
    static let signatures: [(magic: [UInt8], offset: Int, kind: String)] = [
        ([0x4D, 0x5A], 0, "a Windows executable"),
        ([0x50, 0x4B, 0x03, 0x04], 0, "a zip archive"),
        (Array("Rar!".utf8) + [0x1A, 0x07], 0, "a RAR archive"),
        ([0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C], 0, "a 7-Zip archive"),
        ([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1], 0, "an OLE document or MSI installer"),
        ([0x7F, 0x45, 0x4C, 0x46], 0, "an ELF program"),
        ([0x4C, 0x00, 0x00, 0x00, 0x01, 0x14, 0x02, 0x00], 0, "a Windows shortcut"),
        (Array("MSCF".utf8), 0, "a cabinet archive"),
        ([0x1F, 0x8B], 0, "a gzip archive"),
        (Array("CD001".utf8), 0x8001, "a disk image"),
    ]

    /// Base64 runs shorter than this are not looked at (icons and fonts are longer, but they do not
    /// decode to the signatures above).
    static let minimumRun = 200
    /// Bytes decoded per run: enough for every signature, the ISO one included.
    static let decodeLimit = 0x8001 + 8

    /// Every base64 run of the document that decodes to a program or an archive (at most `limit`).
    public static func blobs(in html: [UInt8], limit: Int = 20) -> [Evidence] {
        var found: [Evidence] = []
        var start = -1
        func close(_ end: Int) {
            defer { start = -1 }
            guard start >= 0, end - start >= minimumRun, found.count < limit else { return }
            let prefix = decode(html[start..<min(end, start + (decodeLimit / 3 + 1) * 4)])
            for signature in signatures where prefix.count >= signature.offset + signature.magic.count {
                if prefix[signature.offset..<(signature.offset + signature.magic.count)].elementsEqual(signature.magic) {
                    found.append(Evidence(kind: signature.kind, length: end - start))
                    return
                }
            }
        }
        for (index, byte) in html.enumerated() {
            if isBase64(byte) {
                if start < 0 { start = index }
            } else if start >= 0 {
                close(index)
            }
        }
        close(html.count)
        return found
    }

    /// Script calls that turn data into a file the browser saves or opens.
    public static func downloadCalls(in html: [UInt8]) -> [String] {
        let compact = String(decoding: html.filter { $0 != 0x20 && $0 != 0x09 }, as: UTF8.self)
        return ["msSaveOrOpenBlob", "msSaveBlob", "createObjectURL", "newBlob(", ".download="].filter { compact.contains($0) }
    }

    static func isBase64(_ b: UInt8) -> Bool {
        (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == 0x2B || b == 0x2F || b == 0x3D
    }

    /// Standard base64 (padding and anything else skipped), whole quanta only.
    static func decode(_ text: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.count * 3 / 4)
        var quantum: UInt32 = 0
        var count = 0
        for byte in text {
            let value: UInt8
            switch byte {
            case 0x41...0x5A: value = byte - 0x41
            case 0x61...0x7A: value = byte - 0x61 + 26
            case 0x30...0x39: value = byte - 0x30 + 52
            case 0x2B: value = 62
            case 0x2F: value = 63
            default: continue
            }
            quantum = quantum << 6 | UInt32(value)
            count += 1
            if count == 4 {
                out += [UInt8(truncatingIfNeeded: quantum >> 16), UInt8(truncatingIfNeeded: quantum >> 8), UInt8(truncatingIfNeeded: quantum)]
                quantum = 0
                count = 0
            }
        }
        return out
    }
}
