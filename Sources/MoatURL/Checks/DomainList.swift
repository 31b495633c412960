import Foundation

/// A list of domains and URL prefixes from `rules/url/*.txt`.
///
/// One entry a line, `#` comments. A bare domain (`example.com`) matches that host and every
/// subdomain; an entry with a path (`example.com/phish/`) matches normalised URLs that start with
/// it (scheme ignored). Entries are normalised like links (IDNA, lower case) when loaded.
public struct DomainList: Sendable {
    private var domains: Set<String> = []
    private var prefixes: [String] = []
    /// Matches by host, across messages (every link is checked against four lists).
    private let hostMatches = BoundedMemo<String?>()

    /// Number of entries.
    public var count: Int { domains.count + prefixes.count }

    public init(entries: [String], normalizer: URLNormalizer) {
        for entry in entries {
            let trimmed = entry.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#") else { continue }
            guard let url = normalizer.normalize(trimmed.contains("://") ? trimmed : "http://" + trimmed,
                                                 source: .text, partPath: "", schemeless: false) else { continue }
            let hasPath = trimmed.split(separator: "/", omittingEmptySubsequences: true).count > (trimmed.contains("://") ? 2 : 1)
            if hasPath {
                prefixes.append(url.host + url.pathAndQuery)
            } else {
                domains.insert(url.host)
            }
        }
    }

    /// Reads a list file; a missing file is an error (the manifest named it).
    public init(contentsOfFile path: String, normalizer: URLNormalizer) throws {
        self.init(entries: try Self.entries(inFile: path), normalizer: normalizer)
    }

    /// The lines of a list file without `#` comments (every `rules/url/*.txt` list has this format).
    static func entries(inFile path: String) throws -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else { throw URLEngineError.unreadableFile(path: path) }
        return String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).map { line in
            String(line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
        }
    }

    /// The entry that matches `url`, if any.
    public func match(_ url: ExtractedURL) -> String? {
        if !domains.isEmpty, let entry = hostMatches.value(url.host, compute: { matchingDomain(url.host) }) { return entry }
        guard !prefixes.isEmpty else { return nil }
        let target = url.host + url.pathAndQuery
        return prefixes.first { target.hasPrefix($0) }
    }

    /// The listed domain `host` is or is under.
    private func matchingDomain(_ host: String) -> String? {
        var host = Substring(host)
        while true {
            if domains.contains(String(host)) { return String(host) }
            guard let dot = host.firstIndex(of: ".") else { return nil }
            host = host[host.index(after: dot)...]
        }
    }
}
