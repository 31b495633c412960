import MoatMessage

/// Regexes given as eval arguments (`check_freemail_header('Reply-To', '\d@')`), compiled once
/// per distinct text and shared by every scan; nil for a pattern PCRE2 rejects (the eval then
/// does not hit, as SpamAssassin's warns and returns false).
enum EvalPatterns {
    private static let cache = SharedTable<String, PerlPattern?>()

    static func pattern(_ text: String) -> PerlPattern? {
        cache.value(for: text) { PerlPattern(compiling: text) }
    }
}
