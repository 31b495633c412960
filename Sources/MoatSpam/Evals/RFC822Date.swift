import Foundation

/// SpamAssassin's `Util::parse_rfc822_date`: forgiving about order and junk, as the date evals
/// need the same seconds SpamAssassin computes (out-of-range fields clamped, unknown zones UTC,
/// years clamped to 1970–2037).
enum RFC822Date {
    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    private static let monthNames = "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
    private static let dayMonthYear = PerlPattern(" (\\d+) \(monthNames) (\\d{4}) ", caseless: true)
    private static let monthDayTimeYear = PerlPattern(" \(monthNames) +(\\d+) \\d+:\\d+:\\d+ (\\d{4}) ", caseless: true)
    private static let dayMonthShortYear = PerlPattern(" (\\d+) \(monthNames) (\\d{2,3}) ", caseless: true)
    private static let clock = PerlPattern(#" (\d?\d):(\d\d)(:(\d\d))? "#)
    private static let numericZone = PerlPattern(#" ([-+]\d{4}) "#)
    private static let namedZone = PerlPattern(#"\b([A-Z]{2,4}(?:-DST)?)\b"#)

    /// Common zone abbreviations (`%TZ` in `Util.pm`).
    private static let zones: [String: String] = [
        "UT": "+0000", "UTC": "+0000", "NDT": "-0230", "AST": "-0400", "ADT": "-0300", "NST": "-0330",
        "EST": "-0500", "EDT": "-0400", "CST": "-0600", "CDT": "-0500", "MST": "-0700", "MDT": "-0600",
        "PST": "-0800", "PDT": "-0700", "HST": "-1000", "AKST": "-0900", "AKDT": "-0800", "HADT": "-0900",
        "HAST": "-1000", "GMT": "+0000", "BST": "+0100", "IST": "+0100", "WET": "+0000", "WEST": "+0100",
        "CET": "+0100", "CEST": "+0200", "EET": "+0200", "EEST": "+0300", "MSK": "+0300", "MSD": "+0400",
        "MET": "+0100", "MEZ": "+0100", "MEST": "+0200", "MESZ": "+0200", "BRT": "-0300", "BRST": "-0200",
        "AEST": "+1000", "AEDT": "+1100", "ACST": "+0930", "ACDT": "+1030", "AWST": "+0800", "NZST": "+1200",
        "NZDT": "+1300", "JST": "+0900", "KST": "+0900", "HKT": "+0800", "SGT": "+0800", "PHT": "+0800",
        "IDT": "+0300",
    ]

    private static let commaSpaces = PerlPattern(#",\s*"#)

    /// The fields a date names, before clamping: what `parse` computes seconds from.
    struct Fields: Equatable {
        var day = 0, year = 0, hour = 0, minute = 0, second = 0
        /// Lower-case month name as written (`jan` … `dec`).
        var month = ""
        /// `+hhmm` / `-hhmm`.
        var zone = "-0000"
    }

    /// Seconds since 1970 (UTC), or nil when no date can be found.
    static func parse(_ date: String) -> Double? {
        guard let fields = strictFields(date) ?? fields(date) else { return nil }
        return seconds(fields)
    }

    /// The fields as SpamAssassin's regexes find them, whatever the layout.
    static func fields(_ date: String) -> Fields? {
        var s = " " + date + " "
        commaSpaces.replace(in: &s, global: true, with: " ")
        s = ReceivedParser.collapseSpaces(s)
        s = " " + s + " "
        var f = Fields()
        if let m = dayMonthYear.match(s) {
            f.day = Int(m.text(1)) ?? 0; f.month = m.text(2).lowercased(); f.year = Int(m.text(3)) ?? 0
            dayMonthYear.replace(in: &s, with: " ")
        } else if let m = monthDayTimeYear.match(s) {
            f.day = Int(m.text(2)) ?? 0; f.month = m.text(1).lowercased(); f.year = Int(m.text(3)) ?? 0
            monthDayTimeYear.replace(in: &s, with: " ")
        } else if let m = dayMonthShortYear.match(s) {
            f.day = Int(m.text(1)) ?? 0; f.month = m.text(2).lowercased()
            let digits = m.text(3)
            f.year = Int(digits) ?? 0
            if digits.count == 2, f.year < 50 { f.year += 2000 } else { f.year += 1900 }
            dayMonthShortYear.replace(in: &s, with: " ")
        } else {
            return nil
        }
        if let m = clock.match(s) {
            f.hour = Int(m.text(1)) ?? 0; f.minute = Int(m.text(2)) ?? 0; f.second = Int(m.text(4)) ?? 0
            clock.replace(in: &s, with: " ")
        }
        if let m = numericZone.match(s) {
            f.zone = m.text(1)
        } else if let m = namedZone.match(s), let known = zones[m.text(1)] {
            f.zone = known
        }
        return f
    }

    /// The fields of a date written as RFC 5322 has it, read on the bytes without a regex:
    /// `[Www,] d[d] Mon yyyy h[h]:mm[:ss] ±hhmm`, then anything after a space, spaces or tabs
    /// between the parts. Every such date reads the same as in `fields` (a differential test holds
    /// the two together); anything else is nil and goes to `fields`. Most Date and Received
    /// dates are written this way, and the regexes cost 5 µs a date.
    static func strictFields(_ date: String) -> Fields? {
        var bytes = Array(date.utf8)[...]
        func isDigit(_ b: UInt8) -> Bool { (0x30...0x39).contains(b) }
        func isLetter(_ b: UInt8) -> Bool { (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b) }
        func skipSpaces() -> Bool {
            var any = false
            while let b = bytes.first, b == 0x20 || b == 0x09 { bytes.removeFirst(); any = true }
            return any
        }
        func number(_ minDigits: Int, _ maxDigits: Int) -> Int? {
            var value = 0, digits = 0
            while let b = bytes.first, isDigit(b), digits < maxDigits {
                value = value * 10 + Int(b - 0x30)
                digits += 1
                bytes.removeFirst()
            }
            guard digits >= minDigits, bytes.first.map(isDigit) != true else { return nil }
            return value
        }
        _ = skipSpaces()
        // An optional weekday: three letters and a comma.
        if bytes.count > 4, bytes.prefix(3).allSatisfy(isLetter) {
            guard bytes.dropFirst(3).first == 0x2C else { return nil }
            bytes.removeFirst(4)
            _ = skipSpaces()
        }
        var f = Fields()
        guard let day = number(1, 2), skipSpaces() else { return nil }
        let monthBytes = Array(bytes.prefix(3))
        guard monthBytes.count == 3, monthBytes.allSatisfy(isLetter) else { return nil }
        let month = String(decoding: monthBytes.map { $0 | 0x20 }, as: UTF8.self)
        guard months.contains(month) else { return nil }
        bytes.removeFirst(3)
        guard skipSpaces(), let year = number(4, 4), skipSpaces(),
              let hour = number(1, 2), bytes.first == 0x3A else { return nil }
        bytes.removeFirst()
        guard let minute = number(2, 2) else { return nil }
        var second = 0
        if bytes.first == 0x3A {
            bytes.removeFirst()
            guard let s = number(2, 2) else { return nil }
            second = s
        }
        guard skipSpaces(), let sign = bytes.first, sign == 0x2B || sign == 0x2D else { return nil }
        bytes.removeFirst()
        let zoneDigits = Array(bytes.prefix(4))
        guard zoneDigits.count == 4, zoneDigits.allSatisfy(isDigit), bytes.dropFirst(4).first.map(isDigit) != true else { return nil }
        bytes.removeFirst(4)
        // Anything may follow after a space (a `(PDT)` comment, a zone name): the regexes find the
        // date, the clock and the numeric zone before it. Without the space the numeric zone is
        // not one to them.
        if !bytes.isEmpty, !skipSpaces() { return nil }
        f.day = day; f.month = month; f.year = year; f.hour = hour; f.minute = minute; f.second = second
        f.zone = String(decoding: [sign] + zoneDigits, as: UTF8.self)
        return f
    }

    /// Seconds since 1970 for `fields`, clamped as SpamAssassin clamps them.
    private static func seconds(_ fields: Fields) -> Double? {
        var day = fields.day, year = fields.year
        let zone = fields.zone
        var second = fields.second, minute = fields.minute, hour = fields.hour
        let month = fields.month
        var monthNumber = (months.firstIndex(of: month) ?? -1) + 1
        second = min(second, 59)
        minute = min(minute, 59)
        hour = min(hour, 23)
        let maxDay: Int
        switch monthNumber {
        case 4, 6, 9, 11: maxDay = 30
        case 2: maxDay = (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
        default: maxDay = 31
        }
        if day > maxDay {
            day = 1
            monthNumber += 1
            if monthNumber > 12 { monthNumber = 1; year += 1 }
        }
        year = min(max(year, 1970), 2037)
        guard monthNumber >= 1, day >= 1 else { return nil }
        var time = Double(((daysSince1970(year: year, month: monthNumber, day: day) * 24 + hour) * 60 + minute) * 60 + second)
        let sign = zone.first
        let digits = Array(zone.dropFirst())
        if digits.count == 4, let hh = Int(String(digits[0..<2])), let mm = Int(String(digits[2..<4])) {
            let offset = Double((hh * 60 + mm) * 60)
            if sign == "-" {
                time += offset
            } else if time < offset {
                time = 0
            } else {
                time -= offset
            }
        }
        return time
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date (the civil-days algorithm): what
    /// Foundation's UTC calendar answers, without its locks and ICU time-zone lookups, which took
    /// half of the date-shift eval's time (two dates or more a message, one per Received header).
    static func daysSince1970(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
