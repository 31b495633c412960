/// A reaped child's wait status, decoded without the C macros Swift cannot import.
struct ExitStatus: Sendable, Hashable, CustomStringConvertible {
    let raw: Int32

    /// The signal that ended the process, if one did.
    var signal: Int32? {
        let number = raw & 0x7F
        return number != 0 && number != 0x7F ? number : nil
    }

    var exitCode: Int32 { (raw >> 8) & 0xFF }

    var description: String {
        if let signal { return "killed by signal \(signal)\(Self.name(signal).map { " (\($0))" } ?? "")" }
        return "exited with status \(exitCode)"
    }

    /// A short label for metrics.
    var label: String {
        if let signal { return Self.name(signal) ?? "signal\(signal)" }
        return "exit\(exitCode)"
    }

    private static func name(_ signal: Int32) -> String? {
        switch signal {
        case 4: "SIGILL"
        case 5: "SIGTRAP"
        case 6: "SIGABRT"
        case 7: "SIGBUS"
        case 8: "SIGFPE"
        case 9: "SIGKILL"
        case 11: "SIGSEGV"
        case 15: "SIGTERM"
        default: nil
        }
    }
}
