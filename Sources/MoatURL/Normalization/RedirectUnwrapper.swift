/// Finds the destination inside well-known redirector links.
///
/// Google's `/url?q=`, Outlook Safe Links' `?url=`, Facebook's `l.php?u=` and the many open
/// redirects with `?url=`, `?redirect=`, `?target=`... carry the real destination as a parameter.
/// Only absolute `http(s)` values are taken, so ordinary `?q=search` parameters are left alone.
enum RedirectUnwrapper {
    /// Parameter names that carry a destination on any host.
    static let parameters: Set<String> = [
        "url", "u", "target", "dest", "destination", "redirect", "redirect_url", "redirect_uri",
        "redirecturl", "redir", "goto", "link", "to", "out", "next", "continue", "returnurl", "r",
    ]

    /// The raw destination carried by `url`, if it is a redirector link.
    static func destination(of url: ExtractedURL) -> String? {
        guard let question = url.pathAndQuery.firstIndex(of: "?") else { return nil }
        let path = url.pathAndQuery[..<question].lowercased()
        var query = url.pathAndQuery[url.pathAndQuery.index(after: question)...]
        if let hash = query.firstIndex(of: "#") { query = query[..<hash] }
        let googleStyle = path == "/url" || path == "/l.php" || path.hasSuffix("/redirect")
        for pair in query.split(separator: "&").prefix(64) {
            let pieces = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pieces.count == 2 else { continue }
            let name = pieces[0].lowercased()
            guard parameters.contains(name) || (googleStyle && name == "q") else { continue }
            var value = URLNormalizer.percentDecode(pieces[1].replacingOccurrences(of: "+", with: " "), onlyUnreserved: false)
            // Values encoded twice (`https%253A%252F%252F`) are common in tracking chains.
            if !value.containsBytes("://"), value.containsBytes("%") {
                value = URLNormalizer.percentDecode(value, onlyUnreserved: false)
            }
            let lower = value.lowercased()
            if lower.hasPrefix("http://") || lower.hasPrefix("https://") || lower.hasPrefix("http:\\\\") || lower.hasPrefix("https:\\\\") {
                return value
            }
        }
        return nil
    }
}
