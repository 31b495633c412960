extension String {
    /// The text of a run of scalars, encoded to UTF-8 on bytes.
    ///
    /// Parsers that index a text by scalar (the spam engine's HTML renderer, the url engine's link
    /// scanner) cut runs out of it; building each run as a `String.UnicodeScalarView` appended it
    /// scalar by scalar, which was a third of the renderer's time.
    /// Written straight into the string's storage (no byte array in between; a run of up to 15
    /// bytes, as most tag names are, then allocates nothing).
    public init(encoding scalars: ArraySlice<Unicode.Scalar>) {
        var capacity = 0
        for scalar in scalars { capacity += UTF8.width(scalar) }
        self.init(unsafeUninitializedCapacity: capacity) { buffer in
            var count = 0
            for scalar in scalars {
                if scalar.isASCII {
                    buffer[count] = UInt8(truncatingIfNeeded: scalar.value)
                    count += 1
                } else {
                    UTF8.encode(scalar) { unit in
                        buffer[count] = unit
                        count += 1
                    }
                }
            }
            return count
        }
    }
}

extension Array where Element == UInt8 {
    /// Appends `scalar` encoded as UTF-8: the one way text built on bytes (Latin-1 bodies, decoded
    /// character references, scalar runs) grows, ASCII without going through the encoder.
    public mutating func appendUTF8(_ scalar: Unicode.Scalar) {
        if scalar.isASCII {
            append(UInt8(truncatingIfNeeded: scalar.value))
        } else {
            UTF8.encode(scalar) { append($0) }
        }
    }
}
