import Testing
@testable import MoatURL

/// Character references are decoded into UTF-8 bytes; the result must equal the scalar-by-scalar
/// decoding the url engine did before, on any text.
@Suite struct HTMLEntitiesTests {
    /// The previous definition, output built scalar by scalar.
    static func reference(_ text: String) -> String {
        guard text.contains("&") else { return text }
        let scalars = Array(text.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        while i < scalars.count {
            guard scalars[i] == "&", i + 1 < scalars.count else {
                out.append(scalars[i])
                i += 1
                continue
            }
            if scalars[i + 1] == "#" {
                var j = i + 2
                var hex = false
                if j < scalars.count, scalars[j] == "x" || scalars[j] == "X" { hex = true; j += 1 }
                let digitsStart = j
                var value: UInt32 = 0
                while j < scalars.count, j - digitsStart < 8, let d = hexOrDecimal(scalars[j], hex: hex) {
                    value = value * (hex ? 16 : 10) + d
                    j += 1
                }
                if j > digitsStart {
                    if j < scalars.count, scalars[j] == ";" { j += 1 }
                    out.append(Unicode.Scalar(value == 0 ? 0xFFFD : value) ?? "\u{FFFD}")
                    i = j
                    continue
                }
            } else {
                var j = i + 1
                while j < scalars.count, j - i <= 32, scalars[j].properties.isAlphabetic || ("0"..."9").contains(scalars[j]) { j += 1 }
                let name = String(String.UnicodeScalarView(scalars[(i + 1)..<j]))
                if let replacement = HTMLEntities.named[name] ?? HTMLEntities.named[name.lowercased()] {
                    let terminated = j < scalars.count && scalars[j] == ";"
                    if terminated || HTMLEntities.legacy.contains(name) {
                        out.append(contentsOf: replacement.unicodeScalars)
                        i = terminated ? j + 1 : j
                        continue
                    }
                }
            }
            out.append(scalars[i])
            i += 1
        }
        return String(out)
    }

    static func hexOrDecimal(_ scalar: Unicode.Scalar, hex: Bool) -> UInt32? {
        switch scalar.value {
        case 0x30...0x39: scalar.value - 0x30
        case 0x41...0x46 where hex: scalar.value - 0x41 + 10
        case 0x61...0x66 where hex: scalar.value - 0x61 + 10
        default: nil
        }
    }

    @Test func equalsTheScalarDecodingOnRandomText() {
        let pieces = ["&", "#", "x", ";", "0", "7", "a", "F", "amp", "AMP", "colon", "nbsp", "lt", "é", "ж", "😀", "e\u{301}",
                      "&#104;", "&#x68;", "&#0;", "&#xD800;", "&#99999999;", " ", "/", "http://", "&ampé;", "Tab", "\u{0}"]
        var seed: UInt64 = 0x0BAD_5EED_1234_5678
        func next() -> Int {
            seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17
            return Int(seed % UInt64(pieces.count))
        }
        for _ in 0..<4_000 {
            let text = (0..<(next() + 1)).map { _ in pieces[next()] }.joined()
            #expect(HTMLEntities.decode(text) == Self.reference(text), "\(text.debugDescription)")
        }
        #expect(HTMLEntities.decode("h&#116;tp&colon;//a&period;example/&amp x") == "http://a.example/& x")
    }
}
