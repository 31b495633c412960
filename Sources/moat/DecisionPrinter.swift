import Foundation
import MoatCore

/// Formats decisions for people (text) and programs (JSON).
enum DecisionPrinter {
    static func exitStatus(_ decision: Decision) -> Int32 {
        if decision.action == .tempfail { return 2 }
        return decision.isClean ? 0 : 1
    }

    static func json(_ decision: Decision, file: String?) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(DecisionDocument(decision, file: file)), as: UTF8.self)
    }

    static func text(_ decision: Decision, file: String) -> String {
        var out = "\(file): \(decision.action.rawValue)"
        if let category = decision.category { out += " (\(category.rawValue))" }
        out += " score \(format(decision.score)) id \(decision.scanID)\n"
        if let reply = decision.smtpReply { out += "  reply: \(reply)\n" }
        if let reason = decision.quarantineReason { out += "  quarantine: \(reason)\n" }
        for verdict in decision.verdicts {
            var line = "  \(pad(verdict.engine, 14)) \(pad(verdict.label, 10)) score \(pad(format(verdict.score), 7)) \(format(verdict.elapsed.inMilliseconds)) ms"
            if !verdict.votes { line += "  [shadow]" }
            if case .error(let message) = verdict.outcome { line += "  \(message)" }
            out += line + "\n"
            for finding in verdict.findings {
                out += "      \(finding.code) \(finding.detail)"
                if let part = finding.partPath { out += " [part \(part.isEmpty ? "root" : part)]" }
                if finding.score != 0 { out += " +\(format(finding.score))" }
                out += "\n"
            }
        }
        for part in Set(decision.replacements.map(\.partPath)).sorted() {
            out += "  replaced part \(part)\n"
        }
        if decision.verdicts.isEmpty { out += "  (no engines enabled)\n" }
        if let model = decision.model {
            out += "  model: score \(format(decision.score)) = bias \(format(model.bias))"
            out += model.contributions.isEmpty ? "" : " + contributions below"
            out += "; p=\(format(model.probability)), acts at \(format(model.threshold))\n"
            for contribution in model.contributions {
                let sign = contribution.amount >= 0 ? "+" : ""
                out += "      \(pad(sign + format(contribution.amount), 7)) \(contribution.feature)"
                if contribution.value != 1 { out += " (value \(format(contribution.value)) × weight \(format(contribution.weight)))" }
                out += "\n"
            }
        }
        return out
    }

    static func format(_ value: Double) -> String {
        String(format: "%.2f", value)
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}
