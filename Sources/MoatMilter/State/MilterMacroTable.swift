/// The macros the MTA has sent, kept per stage the way libmilter keeps them.
///
/// Each MACRO packet replaces its stage's values; an event forgets the values of later
/// stages (a new MAIL clears RCPT/DATA/EOH/EOM values), and ABORT forgets MAIL and later.
struct MilterMacroTable: Hashable, Sendable {
    /// Macro slots in protocol order; `unknown` (macros for UNKNOWN) sits outside that order.
    enum Slot: Int, CaseIterable, Comparable {
        case connect, helo, mail, recipient, data, endOfHeaders, endOfMessage, unknown

        /// The slot for a MACRO packet's command byte, nil for a command that has no macros.
        init?(commandByte: UInt8) {
            switch commandByte {
            case UInt8(ascii: "C"): self = .connect
            case UInt8(ascii: "H"): self = .helo
            case UInt8(ascii: "M"): self = .mail
            case UInt8(ascii: "R"): self = .recipient
            case UInt8(ascii: "T"): self = .data
            case UInt8(ascii: "L"), UInt8(ascii: "N"): self = .endOfHeaders
            case UInt8(ascii: "B"), UInt8(ascii: "E"): self = .endOfMessage
            case UInt8(ascii: "U"): self = .unknown
            default: return nil
            }
        }

        static func < (lhs: Slot, rhs: Slot) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    private var values: [Slot: [String: [UInt8]]] = [:]

    /// Replaces the values of `slot` with `macros`.
    mutating func set(_ macros: [MilterMacro], for slot: Slot) {
        var table: [String: [UInt8]] = [:]
        for macro in macros {
            table[macro.name] = macro.value
        }
        self.values[slot] = table
    }

    /// Forgets every protocol-ordered slot after `slot` (never the `unknown` slot).
    mutating func forget(after slot: Slot) {
        for later in Slot.allCases where later > slot && later != .unknown {
            self.values[later] = nil
        }
    }

    /// Forgets `slot` and every protocol-ordered slot after it.
    mutating func forget(from slot: Slot) {
        for later in Slot.allCases where later >= slot && later != .unknown {
            self.values[later] = nil
        }
    }

    mutating func removeAll() {
        self.values = [:]
    }

    /// Looks a macro up by name (`i` or `{i}`), latest stage first.
    func value(of name: String) -> [UInt8]? {
        let canonical = MilterMacro.canonicalName(name)
        let order = Slot.allCases.filter { $0 != .unknown }.reversed() + [.unknown]
        for slot in order {
            if let value = self.values[slot]?[canonical] {
                return value
            }
        }
        return nil
    }

    /// Every known macro, later stages overriding earlier ones.
    var flattened: [String: [UInt8]] {
        var result: [String: [UInt8]] = [:]
        for slot in [.unknown] + Slot.allCases.filter({ $0 != .unknown }) {
            result.merge(self.values[slot] ?? [:]) { _, new in new }
        }
        return result
    }
}
