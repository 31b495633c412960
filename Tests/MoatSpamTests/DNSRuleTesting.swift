import Foundation
import Logging
import MoatCore
import MoatMessage
@testable import MoatSpam

/// A spam engine over one rule file, with or without a DNS server, and its finding scores for a
/// message: what the DNS rule suites (check_rbl, check_uridnsbl, askdns) each need.
enum DNSRuleTesting {
    static func engine(rules: String, dns: String?, maxQueries: Int = 50) throws -> SpamEngine {
        let directory = NSTemporaryDirectory() + "moat-dnsrules-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try rules.write(toFile: directory + "/rules.cf", atomically: true, encoding: .utf8)
        var options = SpamOptions()
        options.rules = [directory]
        options.useBayes = false
        options.dnsServers = dns.map { [$0] }
        options.maxDNSQueries = maxQueries
        return try SpamEngine(options: options)
    }

    /// Finding code → score of one scan.
    static func scores(_ engine: SpamEngine, message: [UInt8], envelope: Envelope = Envelope()) async throws -> [String: Double] {
        let context = ScanContext(blocking: BlockingWorkPool(threads: 1), logger: Logger(label: "test"))
        let report = try await engine.scan(ScanInput(message: Message(parsing: message), envelope: envelope), context: context)
        return Dictionary(report.findings.map { ($0.code, $0.score) }, uniquingKeysWith: { a, _ in a })
    }
}
