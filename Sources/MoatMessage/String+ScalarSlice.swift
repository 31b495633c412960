extension String {
    /// The text of a run of scalars, encoded to UTF-8 on bytes.
    ///
    /// Parsers that index a text by scalar (the spam engine's HTML renderer, the url engine's link
    /// scanner) cut runs out of it; building each run as a `String.UnicodeScalarView` appended it
    /// scalar by scalar, which was a third of the renderer's time.
    public init(encoding scalars: ArraySlice<Unicode.Scalar>) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(scalars.count)
        for scalar in scalars {
            if scalar.isASCII {
                bytes.append(UInt8(truncatingIfNeeded: scalar.value))
            } else {
                UTF8.encode(scalar) { bytes.append($0) }
            }
        }
        self.init(decoding: bytes, as: UTF8.self)
    }
}
