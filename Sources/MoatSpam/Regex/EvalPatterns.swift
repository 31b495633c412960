import Synchronization

/// Regexes given as eval arguments (`check_freemail_header('Reply-To', '\d@')`), compiled once
/// per distinct text and shared by every scan; nil for a pattern PCRE2 rejects (the eval then
/// does not hit, as SpamAssassin's warns and returns false).
enum EvalPatterns {
    private static let cache = Mutex<[String: PerlPattern?]>([:])

    static func pattern(_ text: String) -> PerlPattern? {
        if let cached = cache.withLock({ $0[text] }) { return cached }
        let compiled = PerlPattern(compiling: text)
        cache.withLock { $0[text] = .some(compiled) }
        return compiled
    }
}
