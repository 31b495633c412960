/// The parts of a decompressed `dir` stream (MS-OVBA 2.3.4.2) that locate module source.
public struct VBADirectory: Sendable, Hashable {
    /// One module record: its name, stream and where the source starts in that stream.
    public struct Module: Sendable, Hashable {
        public var name: String
        public var streamName: String
        public var textOffset: Int
    }

    public var codePage: UInt16 = 1252
    public var projectName: String = ""
    public var modules: [Module] = []

    /// Why a `dir` stream could not be walked.
    public struct Malformed: Error, Hashable, CustomStringConvertible {
        public var offset: Int
        public var description: String { "dir stream record overruns the stream at offset \(offset)" }
    }

    /// Walks the records; PROJECTVERSION (0x0009) is the one record whose size field lies.
    public init(decompressed b: [UInt8]) throws(Malformed) {
        var pos = 0
        var current: Module?
        while let id = LittleEndian.u16(b, pos), let size32 = LittleEndian.u32(b, pos + 2) {
            var size = Int(size32)
            if id == 0x0009 { size = 6 }
            let start = pos + 6
            guard start + size <= b.count else { throw Malformed(offset: pos) }
            let data = b[start..<(start + size)]
            switch id {
            case 0x0003: codePage = LittleEndian.u16(data, data.startIndex) ?? codePage
            case 0x0004: projectName = Self.text(data)
            case 0x0019:
                if let m = current { modules.append(m) }
                current = Module(name: Self.text(data), streamName: Self.text(data), textOffset: 0)
            case 0x001A: current?.streamName = Self.text(data)
            case 0x0031: if let offset = LittleEndian.u32(data, data.startIndex) { current?.textOffset = Int(offset) }
            case 0x002B:
                if let m = current { modules.append(m) }
                current = nil
            case 0x0010:
                pos = b.count
                continue
            default: break
            }
            pos = start + size
        }
        if let m = current { modules.append(m) }
    }

    /// Names in the project's code page; read as Latin-1, which keeps ASCII exact.
    static func text(_ bytes: ArraySlice<UInt8>) -> String {
        String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
    }
}
