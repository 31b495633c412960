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
    /// Built once: a Calendar per parse costs more than the parse (one per Received header).
    private static let utcCalendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    /// Seconds since 1970 (UTC), or nil when no date can be found.
    static func parse(_ date: String) -> Double? {
        var s = " " + date + " "
        commaSpaces.replace(in: &s, global: true, with: " ")
        s = ReceivedParser.collapseSpaces(s)
        s = " " + s + " "
        var day = 0, year = 0
        var month = ""
        if let m = dayMonthYear.match(s) {
            day = Int(m.text(1)) ?? 0; month = m.text(2).lowercased(); year = Int(m.text(3)) ?? 0
            dayMonthYear.replace(in: &s, with: " ")
        } else if let m = monthDayTimeYear.match(s) {
            day = Int(m.text(2)) ?? 0; month = m.text(1).lowercased(); year = Int(m.text(3)) ?? 0
            monthDayTimeYear.replace(in: &s, with: " ")
        } else if let m = dayMonthShortYear.match(s) {
            day = Int(m.text(1)) ?? 0; month = m.text(2).lowercased()
            let digits = m.text(3)
            year = Int(digits) ?? 0
            if digits.count == 2, year < 50 { year += 2000 } else { year += 1900 }
            dayMonthShortYear.replace(in: &s, with: " ")
        } else {
            return nil
        }
        var hour = 0, minute = 0, second = 0
        if let m = clock.match(s) {
            hour = Int(m.text(1)) ?? 0; minute = Int(m.text(2)) ?? 0; second = Int(m.text(4)) ?? 0
            clock.replace(in: &s, with: " ")
        }
        var zone = "-0000"
        if let m = numericZone.match(s) {
            zone = m.text(1)
        } else if let m = namedZone.match(s), let known = zones[m.text(1)] {
            zone = known
        }
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
        var components = DateComponents()
        components.year = year
        components.month = monthNumber
        components.day = day
        components.hour = hour
        components.minute = minute
        components.second = second
        guard var time = utcCalendar.date(from: components)?.timeIntervalSince1970 else { return nil }
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
}
