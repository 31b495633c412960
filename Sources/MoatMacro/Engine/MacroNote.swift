import Foundation

/// The text that tells the recipient what was taken out of an attachment.
public enum MacroNote {
    /// Used when no `note_template` is configured (same text as `rules/macro/note.en.txt`).
    public static let defaultTemplate = """
        The mail gateway removed active content from the attachment "{filename}".

        Removed:
        {removed}

        Findings:
        {findings}

        If you need the original document, ask your mail administrator.

        """

    /// Used when the attachment could not be disarmed and was removed whole (same text as
    /// `rules/macro/note-removed.en.txt`): nothing of the document was delivered, and the note must
    /// not say otherwise.
    public static let defaultRemovedTemplate = """
        The mail gateway removed the attachment "{filename}": it holds active content (macros or
        embedded objects) that could not be taken out safely, so the attachment was not delivered.

        Removed:
        {removed}

        Findings:
        {findings}

        If you need the original, ask your mail administrator and quote this message.

        """

    /// Reads a UTF-8 template file; nil when unreadable.
    public static func readTemplate(at path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return String(data: data, encoding: .utf8)
    }

    /// Fills the placeholders; lists become "- " lines.
    public static func render(_ template: String, filename: String, removed: [String], findings: [String]) -> String {
        let bullet = { (items: [String]) in items.isEmpty ? "- (none)" : items.map { "- " + $0 }.joined(separator: "\n") }
        return template.replacingOccurrences(of: "{filename}", with: filename)
            .replacingOccurrences(of: "{removed}", with: bullet(removed))
            .replacingOccurrences(of: "{findings}", with: bullet(findings))
    }
}
