import Logging
import MoatCore
import MoatMessage

/// The `url` engine: lists every link a recipient could follow (`url.extracted`, score 0) and
/// scores the risky ones.
///
/// The verdict is `.phishing` when the summed weights reach `phishingScore`, `.suspicious` when
/// they reach `suspiciousScore`, clean below.
public struct URLEngine: ScanEngine {
    public let extractor: URLExtractor
    public let assessment: URLRiskAssessment
    public let phishingScore: Double
    public let suspiciousScore: Double
    /// URI DNS block lists (nil: none configured, no DNS asked).
    public let blockLists: URIBlockLists?

    public init(extractor: URLExtractor, assessment: URLRiskAssessment, phishingScore: Double, suspiciousScore: Double,
                blockLists: URIBlockLists? = nil) {
        self.extractor = extractor
        self.assessment = assessment
        self.phishingScore = phishingScore
        self.suspiciousScore = suspiciousScore
        self.blockLists = blockLists
    }

    public func scan(_ input: ScanInput, context: ScanContext) async throws -> EngineReport {
        let extraction = try await extractor.extract(from: input.message, blocking: context.blocking)
        var report = report(for: extraction, sender: senderContext(of: input.message), logger: context.logger, messageID: input.id)
        if let blockLists {
            let listed = await blockLists.findings(for: extraction.urls)
            report.findings += listed
            report.score += listed.reduce(0) { $0 + $1.score }
            report.category = category(for: report.score)
        }
        return report
    }

    private func category(for score: Double) -> VerdictCategory? {
        score >= phishingScore ? .phishing : (score >= suspiciousScore && score > 0 ? .suspicious : nil)
    }

    /// The report for an extraction (also what `moat explain` shows).
    public func report(
        for extraction: URLExtraction, sender: SenderContext = SenderContext(), logger: Logger? = nil, messageID: String = ""
    ) -> EngineReport {
        var findings = extraction.urls.map { url in
            Finding(code: "url.extracted", detail: "\(url.source.rawValue) \(url.normalized)", score: 0, partPath: url.partPath)
        }
        findings.append(contentsOf: extraction.notes)
        let risks = assessment.assess(extraction.urls, sender: sender)
        findings.append(contentsOf: risks)
        let score = risks.reduce(0) { $0 + $1.score }
        let category = category(for: score)
        logger?.debug("url scan", metadata: [
            "moat.id": "\(messageID)", "url.count": "\(extraction.urls.count)", "url.qr_codes": "\(extraction.qrCodes)",
            "url.score": "\(score)",
        ])
        return EngineReport(category: category, score: score, findings: findings)
    }

    /// The sender's domains and list headers, as the display/target check weighs them.
    public func senderContext(of message: Message) -> SenderContext {
        let suffixes = extractor.normalizer.publicSuffixes
        return SenderContext(headers: message.headers) { suffixes.registrableDomain($0) }
    }

    public var status: [String: String] {
        [
            "block_list_entries": "\(assessment.blockList.count)",
            "allow_list_entries": "\(assessment.allowList.count)",
            "shortener_entries": "\(assessment.shorteners.count)",
            "tracker_entries": "\(assessment.trackers.count)",
            "public_suffix_tlds": "\(extractor.normalizer.publicSuffixes.topLevelDomains.count)",
        ]
    }
}
