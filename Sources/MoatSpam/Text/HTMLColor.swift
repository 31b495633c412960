import Foundation

/// HTML and CSS colours as SpamAssassin's HTML renderer reads them (`name_to_rgb`): named colours,
/// `#rgb` / `#rrggbb` (longer or odd lengths cut or padded), `rgb(...)`; anything else is
/// `"invalid"`. Used to find text drawn in (nearly) the background colour.
enum HTMLColor {
    /// CSS named colours (`%html_color` in HTML.pm).
    static let names: [String: Int] = [
        "aqua": 0x00ffff, "black": 0x000000, "blue": 0x0000ff, "fuchsia": 0xff00ff, "gray": 0x808080,
        "green": 0x008000, "lime": 0x00ff00, "maroon": 0x800000, "navy": 0x000080, "olive": 0x808000,
        "purple": 0x800080, "red": 0xff0000, "silver": 0xc0c0c0, "teal": 0x008080, "white": 0xffffff,
        "yellow": 0xffff00, "aliceblue": 0xf0f8ff, "antiquewhite": 0xfaebd7, "aquamarine": 0x7fffd4,
        "azure": 0xf0ffff, "beige": 0xf5f5dc, "bisque": 0xffe4c4, "blanchedalmond": 0xffebcd, "blueviolet": 0x8a2be2,
        "brown": 0xa52a2a, "burlywood": 0xdeb887, "cadetblue": 0x5f9ea0, "chartreuse": 0x7fff00,
        "chocolate": 0xd2691e, "coral": 0xff7f50, "cornflowerblue": 0x6495ed, "cornsilk": 0xfff8dc,
        "crimson": 0xdc143c, "cyan": 0x00ffff, "darkblue": 0x00008b, "darkcyan": 0x008b8b, "darkgoldenrod": 0xb8860b,
        "darkgray": 0xa9a9a9, "darkgreen": 0x006400, "darkgrey": 0xa9a9a9, "darkkhaki": 0xbdb76b,
        "darkmagenta": 0x8b008b, "darkolivegreen": 0x556b2f, "darkorange": 0xff8c00, "darkorchid": 0x9932cc,
        "darkred": 0x8b0000, "darksalmon": 0xe9967a, "darkseagreen": 0x8fbc8f, "darkslateblue": 0x483d8b,
        "darkslategray": 0x2f4f4f, "darkslategrey": 0x2f4f4f, "darkturquoise": 0x00ced1, "darkviolet": 0x9400d3,
        "deeppink": 0xff1493, "deepskyblue": 0x00bfff, "dimgray": 0x696969, "dimgrey": 0x696969,
        "dodgerblue": 0x1e90ff, "firebrick": 0xb22222, "floralwhite": 0xfffaf0, "forestgreen": 0x228b22,
        "gainsboro": 0xdcdcdc, "ghostwhite": 0xf8f8ff, "gold": 0xffd700, "goldenrod": 0xdaa520,
        "greenyellow": 0xadff2f, "grey": 0x808080, "honeydew": 0xf0fff0, "hotpink": 0xff69b4, "indianred": 0xcd5c5c,
        "indigo": 0x4b0082, "ivory": 0xfffff0, "khaki": 0xf0e68c, "lavender": 0xe6e6fa, "lavenderblush": 0xfff0f5,
        "lawngreen": 0x7cfc00, "lemonchiffon": 0xfffacd, "lightblue": 0xadd8e6, "lightcoral": 0xf08080,
        "lightcyan": 0xe0ffff, "lightgoldenrodyellow": 0xfafad2, "lightgray": 0xd3d3d3, "lightgreen": 0x90ee90,
        "lightgrey": 0xd3d3d3, "lightpink": 0xffb6c1, "lightsalmon": 0xffa07a, "lightseagreen": 0x20b2aa,
        "lightskyblue": 0x87cefa, "lightslategray": 0x778899, "lightslategrey": 0x778899, "lightsteelblue": 0xb0c4de,
        "lightyellow": 0xffffe0, "limegreen": 0x32cd32, "linen": 0xfaf0e6, "magenta": 0xff00ff,
        "mediumaquamarine": 0x66cdaa, "mediumblue": 0x0000cd, "mediumorchid": 0xba55d3, "mediumpurple": 0x9370db,
        "mediumseagreen": 0x3cb371, "mediumslateblue": 0x7b68ee, "mediumspringgreen": 0x00fa9a,
        "mediumturquoise": 0x48d1cc, "mediumvioletred": 0xc71585, "midnightblue": 0x191970, "mintcream": 0xf5fffa,
        "mistyrose": 0xffe4e1, "moccasin": 0xffe4b5, "navajowhite": 0xffdead, "oldlace": 0xfdf5e6,
        "olivedrab": 0x6b8e23, "orange": 0xffa500, "orangered": 0xff4500, "orchid": 0xda70d6,
        "palegoldenrod": 0xeee8aa, "palegreen": 0x98fb98, "paleturquoise": 0xafeeee, "palevioletred": 0xdb7093,
        "papayawhip": 0xffefd5, "peachpuff": 0xffdab9, "peru": 0xcd853f, "pink": 0xffc0cb, "plum": 0xdda0dd,
        "powderblue": 0xb0e0e6, "rosybrown": 0xbc8f8f, "royalblue": 0x4169e1, "saddlebrown": 0x8b4513,
        "salmon": 0xfa8072, "sandybrown": 0xf4a460, "seagreen": 0x2e8b57, "seashell": 0xfff5ee, "sienna": 0xa0522d,
        "skyblue": 0x87ceeb, "slateblue": 0x6a5acd, "slategray": 0x708090, "slategrey": 0x708090, "snow": 0xfffafa,
        "springgreen": 0x00ff7f, "steelblue": 0x4682b4, "tan": 0xd2b48c, "thistle": 0xd8bfd8, "tomato": 0xff6347,
        "turquoise": 0x40e0d0, "violet": 0xee82ee, "wheat": 0xf5deb3, "whitesmoke": 0xf5f5f5,
        "yellowgreen": 0x9acd32
    ]

    private static let hexOrRGB = PerlPattern(#"^[#a-f0-9]*$|rgb\([\d%, ]*\)"#, caseless: true)
    private static let rgbPercent = PerlPattern(#"rgb\((\d+)%,\s*(\d+)%,\s*(\d+)%\s*\)"#, caseless: true)
    private static let rgbDecimal = PerlPattern(#"rgb\((\d+),\s*(\d+),\s*(\d+)\s*\)"#, caseless: true)

    /// `#rrggbb`, or `"invalid"`.
    static func rgb(_ value: String) -> String {
        var color = value.lowercased().trimmingWhitespaceAndNewlines()
        if let hex = names[color] { return hex6(hex) }
        guard hexOrRGB.matches(color) else { return "invalid" }
        if let m = rgbPercent.match(color) {
            color = "#" + [1, 2, 3].map { twoHex(percentOf255(m.text($0))) }.joined()
        }
        if let m = rgbDecimal.match(color) {
            color = "#" + [1, 2, 3].map { twoHex(Int(m.text($0)) ?? 0) }.joined()
        }
        guard color.hasPrefix("#") else { return "invalid" }
        var digits = color.filter { $0.isHexDigit }
        if digits.count > 6 { digits = String(digits.prefix(6)) }
        if digits.count > 3, digits.count < 6 { digits = String(digits.prefix(3)) }
        if digits.count % 3 != 0 { digits += String(repeating: "0", count: 3 - digits.count % 3) }
        if digits.count == 3 { digits = digits.map { "\($0)\($0)" }.joined() }
        return "#" + digits
    }

    /// Perl's `dec2hex`: two hex digits for 0–255 (more for larger values, as Perl prints them).
    /// `digits`% of 255, truncated. A percentage above Int.max / 255 (still a 19-digit Int) scales
    /// past Int's range, where `Int(_: Double)` traps: such values are held at 2^62, which reads
    /// the same after the first six hex digits are kept.
    private static func percentOf255(_ digits: String) -> Int {
        let scaled = Double(Int(digits) ?? 0) / 100 * 255
        return scaled < 0x1p62 ? Int(scaled) : 1 << 62
    }

    private static func twoHex(_ n: Int) -> String {
        let s = String(n, radix: 16)
        return s.count < 2 ? "0" + s : s
    }

    private static func hex6(_ n: Int) -> String {
        let s = String(n, radix: 16)
        return "#" + String(repeating: "0", count: max(0, 6 - s.count)) + s
    }

    /// `color: rgb(…)` in a style attribute: digits and commas only, each clamped to 0–255.
    static func cssRGB(_ value: String) -> String {
        let parts = value.filter { $0.isASCII && ($0.isNumber || $0 == ",") }.split(separator: ",", omittingEmptySubsequences: false)
        let channels = (0..<3).map { i -> Int in
            guard i < parts.count, let n = Int(parts[i]), n > 0 else { return 0 }
            return min(n, 255)
        }
        return "#" + channels.map { twoHex($0) }.joined()
    }

    /// Text in colour `fg` on `bg` that a reader cannot see: the same colour, or closer than 12 in
    /// SpamAssassin's brightness-weighted distance (`html_font_invisible`).
    static func lowContrast(_ fg: String, _ bg: String) -> Bool {
        if fg.suffix(6) == bg.suffix(6) { return true }
        guard let f = channels(fg), let b = channels(bg) else { return false }
        let r = Double(f.0 - b.0), g = Double(f.1 - b.1), bl = Double(f.2 - b.2)
        let distance = ((0.2126 * r) * (0.2126 * r) + (0.7152 * g) * (0.7152 * g) + (0.0722 * bl) * (0.0722 * bl)).squareRoot()
        return distance < 12
    }

    /// The red, green and blue of `#rrggbb` in lower case (the `#` optional), as SpamAssassin's
    /// `/^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/` reads it, a final newline allowed; nil for
    /// anything else. Read on the bytes: a regex match per coloured tag cost 4 µs a message.
    static func channels(_ color: String) -> (Int, Int, Int)? {
        var bytes = color.utf8[...]
        if bytes.last == 0x0A { bytes = bytes.dropLast() }
        if bytes.first == 0x23 { bytes = bytes.dropFirst() }
        guard bytes.count == 6 else { return nil }
        var value = 0
        for b in bytes {
            switch b {
            case 0x30...0x39: value = value << 4 | Int(b - 0x30)
            case 0x61...0x66: value = value << 4 | Int(b - 0x61 + 10)
            default: return nil
            }
        }
        return (value >> 16 & 0xFF, value >> 8 & 0xFF, value & 0xFF)
    }
}
