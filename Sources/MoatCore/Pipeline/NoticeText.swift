/// Helpers for the notices Moat sends senders (a removal, a send-hold): values from the message
/// go into header lines and command lines, so they are made inert first.
public enum NoticeText {
    /// One line, no control characters, at most 200 characters.
    public static func clean(_ text: String) -> String {
        String(text.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }.map(Character.init).prefix(200))
    }

    /// An address a command line may carry: no blanks or controls, not an option, a local part and
    /// a domain.
    public static func isPlainAddress(_ address: String) -> Bool {
        address.utf8.count <= 254 && !address.hasPrefix("-") && address.contains("@")
            && address.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value != 0x7F && $0 != "<" && $0 != ">" && $0 != "," }
    }
}
