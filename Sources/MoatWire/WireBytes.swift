/// Byte-level writing and reading of the per-message frames (`begin`, `verdict`, `done`).
///
/// These frames were JSON; decoding them with Foundation cost the parent a tenth of its time
/// under load (measured: 11 % of `moatd`'s samples at 16 milter connections,
/// `bench/results/profile-daemon-2026-12-04.md`). Fixed-width little-endian integers and
/// length-prefixed strings need no parsing. Frames come from our own worker, but a worker can be
/// broken by the content it scans, so the reader checks every length and never traps: a frame
/// that does not add up is dropped, like a JSON frame that did not parse.
package struct WireWriter {
    package private(set) var bytes: [UInt8] = []

    package init(capacity: Int = 64) {
        bytes.reserveCapacity(capacity)
    }

    package mutating func u8(_ value: UInt8) { bytes.append(value) }

    package mutating func u64(_ value: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    package mutating func i64(_ value: Int64) { u64(UInt64(bitPattern: value)) }
    package mutating func f64(_ value: Double) { u64(value.bitPattern) }
    package mutating func bool(_ value: Bool) { u8(value ? 1 : 0) }

    package mutating func count(_ value: Int) { u64(UInt64(clamping: value)) }

    package mutating func bytes<C: Collection>(_ value: C) where C.Element == UInt8 {
        count(value.count)
        bytes.append(contentsOf: value)
    }

    package mutating func string(_ value: String) { bytes(value.utf8) }

    /// A flag byte, then the value when present.
    package mutating func optional<T>(_ value: T?, _ write: (inout WireWriter, T) -> Void) {
        guard let value else { return u8(0) }
        u8(1)
        write(&self, value)
    }
}

package struct WireReader {
    package struct Malformed: Error {}

    private let input: ArraySlice<UInt8>
    private var position: Int

    package init(_ input: ArraySlice<UInt8>) {
        self.input = input
        position = input.startIndex
    }

    package var isAtEnd: Bool { position == input.endIndex }

    private mutating func take(_ length: Int) throws(Malformed) -> ArraySlice<UInt8> {
        guard length >= 0, input.endIndex - position >= length else { throw Malformed() }
        defer { position += length }
        return input[position..<(position + length)]
    }

    package mutating func u8() throws(Malformed) -> UInt8 {
        guard let byte = try take(1).first else { throw Malformed() }
        return byte
    }

    package mutating func u64() throws(Malformed) -> UInt64 {
        var value: UInt64 = 0
        for (index, byte) in try take(8).enumerated() { value |= UInt64(byte) << UInt64(index * 8) }
        return value
    }

    package mutating func i64() throws(Malformed) -> Int64 { Int64(bitPattern: try u64()) }
    package mutating func f64() throws(Malformed) -> Double { Double(bitPattern: try u64()) }

    package mutating func bool() throws(Malformed) -> Bool {
        switch try u8() {
        case 0: return false
        case 1: return true
        default: throw Malformed()
        }
    }

    /// A count, at most what is left to read (so a hostile count cannot reserve memory).
    package mutating func count() throws(Malformed) -> Int {
        let value = try u64()
        guard value <= UInt64(input.endIndex - position) else { throw Malformed() }
        return Int(value)
    }

    package mutating func bytes() throws(Malformed) -> [UInt8] { Array(try take(try count())) }
    package mutating func string() throws(Malformed) -> String { String(decoding: try take(try count()), as: UTF8.self) }

    package mutating func optional<T>(_ read: (inout WireReader) throws(Malformed) -> T) throws(Malformed) -> T? {
        switch try u8() {
        case 0: return nil
        case 1: return try read(&self)
        default: throw Malformed()
        }
    }

    /// A `String`-backed enumeration's case.
    package mutating func raw<T: RawRepresentable>(_ type: T.Type) throws(Malformed) -> T where T.RawValue == String {
        guard let value = T(rawValue: try string()) else { throw Malformed() }
        return value
    }
}
