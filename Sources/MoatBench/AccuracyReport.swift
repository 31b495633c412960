import Foundation
import MoatCore

/// Renders an `AccuracyResult`: JSON, Markdown, a terminal table and two SVG charts.
public enum AccuracyReport {
    /// File names `write` produces in the results folder.
    public static let jsonFile = "accuracy.json"
    public static let markdownFile = "accuracy.md"
    public static let tableFile = "accuracy.txt"
    public static let precisionRecallFile = "precision-recall.svg"
    public static let latencyFile = "latency.svg"

    /// Writes every rendering into `directory` (created if missing); returns the paths written.
    @discardableResult
    public static func write(_ result: AccuracyResult, to directory: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let outputs: [(String, Data)] = [
            (jsonFile, try json(result)),
            (markdownFile, Data(markdown(result).utf8)),
            (tableFile, Data(table(result).utf8)),
            (precisionRecallFile, Data(precisionRecallSVG(result).utf8)),
            (latencyFile, Data(latencySVG(result).utf8)),
        ]
        var written: [String] = []
        for (name, data) in outputs {
            let path = directory + "/" + name
            try data.write(to: URL(fileURLWithPath: path))
            written.append(path)
        }
        return written
    }

    public static func json(_ result: AccuracyResult) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(result)
    }

    public static func decode(_ data: Data) throws -> AccuracyResult {
        try JSONDecoder().decode(AccuracyResult.self, from: data)
    }

    // MARK: - Text

    static func percent(_ value: Double?) -> String {
        guard let value else { return "-" }
        return String(format: "%.1f", value * 100)
    }

    static func interval(_ value: Interval?) -> String {
        guard let value else { return "-" }
        return String(format: "%.1f–%.1f", value.low * 100, value.high * 100)
    }

    static func ms(_ value: Double?) -> String {
        guard let value else { return "-" }
        return value < 10 ? String(format: "%.2f", value) : String(format: "%.0f", value)
    }

    /// Rows: every engine, every peer, the ensemble, then the ensemble without each engine.
    static func rows(_ result: AccuracyResult) -> [(name: String, metrics: DetectorMetrics)] {
        result.detectorRows
            + [("ENSEMBLE", result.ensemble)]
            + result.engines.compactMap { name in result.withoutEngine[name].map { ("ensemble - \(name)", $0) } }
    }

    /// A plain-text table for a terminal (the `any` category: detected versus ham).
    public static func table(_ result: AccuracyResult) -> String {
        let header = ["detector", "TP", "FP", "TN", "FN", "prec%", "recall%", "F1%", "FPR%", "ΔF1", "err", "p50ms", "p95ms", "p99ms"]
        let baseF1 = result.ensemble.any.f1
        var lines: [[String]] = [header]
        for (name, metrics) in rows(result) {
            let any = metrics.any
            let delta: String
            if name.hasPrefix("ensemble - "), let f1 = any.f1, let baseF1 {
                delta = String(format: "%+.1f", (f1 - baseF1) * 100)
            } else {
                delta = ""
            }
            lines.append([
                name, "\(any.tp)", "\(any.fp)", "\(any.tn)", "\(any.fn)", percent(any.precision), percent(any.recall),
                percent(any.f1), percent(any.fpr), delta, "\(metrics.errors + metrics.timeouts)",
                ms(metrics.latency?.p50), ms(metrics.latency?.p95), ms(metrics.latency?.p99),
            ])
        }
        var widths = [Int](repeating: 0, count: header.count)
        for line in lines { for (index, cell) in line.enumerated() { widths[index] = max(widths[index], cell.count) } }
        func render(_ line: [String]) -> String {
            line.enumerated().map { index, cell in
                let pad = String(repeating: " ", count: widths[index] - cell.count)
                return index == 0 ? cell + pad : pad + cell
            }.joined(separator: "  ")
        }
        var output = [render(lines[0]), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")]
        output += lines.dropFirst().map(render)
        output.append("\(result.corpus.messages) messages (\(result.corpus.byClass.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))) in \(String(format: "%.1f", result.seconds)) s; \(result.corpus.unreadable.count) unreadable")
        return output.joined(separator: "\n") + "\n"
    }

    /// A Markdown report: summary, per-category tables with Wilson intervals, removal evidence, latency, misses.
    public static func markdown(_ result: AccuracyResult) -> String {
        var out = "# Accuracy\n\n"
        out += "\(result.corpus.messages) messages: "
        out += result.corpus.byClass.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        out += String(format: "; %.1f s.", result.seconds)
        if !result.corpus.unreadable.isEmpty { out += " \(result.corpus.unreadable.count) unreadable." }
        out += "\n\nPrecision and recall in %, with the 95 % Wilson interval. `any` = detected (any category) versus ham.\n"
        for name in result.peerOrder {
            guard let peer = result.peers[name] else { continue }
            out += "\n`peer:\(name)` ran outside Moat (bench/peers/); its latency is its client's wall clock per message"
            out += peer.missing > 0 ? "; it had no answer for \(peer.missing) messages, left out of its rows.\n" : ".\n"
        }
        for category in DetectorMetrics.categoryNames {
            let relevant = rows(result).filter { $0.metrics.categories[category].map { $0.tp + $0.fp + $0.fn } ?? 0 > 0 }
            guard !relevant.isEmpty else { continue }
            out += "\n## `\(category)`\n\n| detector | TP | FP | TN | FN | precision | 95 % CI | recall | 95 % CI | F1 | FPR |\n"
            out += "|---|---:|---:|---:|---:|---:|---|---:|---|---:|---:|\n"
            for (name, metrics) in relevant {
                guard let m = metrics.categories[category] else { continue }
                out += "| \(name) | \(m.tp) | \(m.fp) | \(m.tn) | \(m.fn) | \(percent(m.precision)) | \(interval(m.precisionCI)) | "
                out += "\(percent(m.recall)) | \(interval(m.recallCI)) | \(percent(m.f1)) | \(percent(m.fpr)) |\n"
            }
        }
        out += "\n## Removal evidence (ensemble without one engine, `any`)\n\n| without | FP | FN | precision | recall | F1 | ΔF1 (points) |\n|---|---:|---:|---:|---:|---:|---:|\n"
        let base = result.ensemble.any
        out += "| (none) | \(base.fp) | \(base.fn) | \(percent(base.precision)) | \(percent(base.recall)) | \(percent(base.f1)) | |\n"
        for engine in result.engines {
            guard let m = result.withoutEngine[engine]?.any else { continue }
            let delta = m.f1.flatMap { f1 in base.f1.map { String(format: "%+.1f", (f1 - $0) * 100) } } ?? "-"
            out += "| \(engine) | \(m.fp) | \(m.fn) | \(percent(m.precision)) | \(percent(m.recall)) | \(percent(m.f1)) | \(delta) |\n"
        }
        out += "\n## Latency (ms)\n\n| detector | samples | p50 | p95 | p99 | max | errors | timeouts |\n|---|---:|---:|---:|---:|---:|---:|---:|\n"
        for (name, metrics) in result.detectorRows + [("ENSEMBLE (whole scan)", result.ensemble)] {
            let l = metrics.latency
            out += "| \(name) | \(l?.samples ?? 0) | \(ms(l?.p50)) | \(ms(l?.p95)) | \(ms(l?.p99)) | \(ms(l?.max)) | \(metrics.errors) | \(metrics.timeouts) |\n"
        }
        out += "\n## Wrong answers\n"
        for (name, metrics) in result.detectorRows + [("ENSEMBLE", result.ensemble)] {
            out += "\n### \(name): \(metrics.wrong.count)\n\n"
            for wrong in metrics.wrong.prefix(50) {
                out += "- `\(wrong.path)` (\(wrong.label.rawValue) → \(wrong.predicted), \(wrong.kind.rawValue))\n"
            }
            if metrics.wrong.count > 50 { out += "- … \(metrics.wrong.count - 50) more in accuracy.json\n" }
        }
        out += "\nCharts: [precision and recall](precision-recall.svg), [latency](latency.svg).\n"
        return out
    }

    // MARK: - SVG

    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default:
                if let scalar = character.unicodeScalars.first, character.unicodeScalars.count == 1, scalar.value < 0x20 {
                    out += " "
                } else {
                    out += String(character)
                }
            }
        }
        return out
    }

    static func f(_ value: Double) -> String { String(format: "%.1f", value) }

    /// Grouped bars: precision and recall (`any`) per engine and the ensemble, with Wilson interval whiskers.
    public static func precisionRecallSVG(_ result: AccuracyResult) -> String {
        let detectors = result.detectorRows + [("ensemble", result.ensemble)]
        let groupWidth = 90.0
        let left = 50.0
        let top = 40.0
        let plotHeight = 240.0
        let width = left + groupWidth * Double(max(1, detectors.count)) + 120
        let height = top + plotHeight + 70
        var svg = """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" width="\(f(width))" height="\(f(height))" viewBox="0 0 \(f(width)) \(f(height))" font-family="sans-serif" font-size="11">
            <title>Precision and recall per engine (any category vs ham), 95 % Wilson intervals</title>
            <rect x="0" y="0" width="\(f(width))" height="\(f(height))" fill="white"/>
            <text x="\(f(left))" y="20" font-size="14">Precision and recall (detected vs ham), 95 % CI</text>

            """
        for tick in stride(from: 0.0, through: 1.0, by: 0.25) {
            let y = top + plotHeight * (1 - tick)
            svg += "<line x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(width - 110))\" y2=\"\(f(y))\" stroke=\"#ddd\"/>\n"
            svg += "<text x=\"\(f(left - 6))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(Int(tick * 100))%</text>\n"
        }
        for (index, (name, metrics)) in detectors.enumerated() {
            let any = metrics.any
            let x0 = left + groupWidth * Double(index) + 12
            for (offset, value, ci, colour) in [(0.0, any.precision, any.precisionCI, "#3b6fb6"), (32.0, any.recall, any.recallCI, "#e08a2c")] {
                let x = x0 + offset
                let v = value ?? 0
                let barHeight = plotHeight * v
                svg += "<rect x=\"\(f(x))\" y=\"\(f(top + plotHeight - barHeight))\" width=\"28\" height=\"\(f(barHeight))\" fill=\"\(colour)\"><title>\(escape(name)): \(percent(value))%</title></rect>\n"
                if let ci {
                    let yLow = top + plotHeight * (1 - ci.low)
                    let yHigh = top + plotHeight * (1 - ci.high)
                    svg += "<line x1=\"\(f(x + 14))\" y1=\"\(f(yLow))\" x2=\"\(f(x + 14))\" y2=\"\(f(yHigh))\" stroke=\"black\"/>\n"
                    svg += "<line x1=\"\(f(x + 9))\" y1=\"\(f(yLow))\" x2=\"\(f(x + 19))\" y2=\"\(f(yLow))\" stroke=\"black\"/>\n"
                    svg += "<line x1=\"\(f(x + 9))\" y1=\"\(f(yHigh))\" x2=\"\(f(x + 19))\" y2=\"\(f(yHigh))\" stroke=\"black\"/>\n"
                }
            }
            svg += "<text x=\"\(f(x0 + 30))\" y=\"\(f(top + plotHeight + 16))\" text-anchor=\"middle\">\(escape(name))</text>\n"
        }
        let legendX = width - 100
        svg += "<rect x=\"\(f(legendX))\" y=\"\(f(top))\" width=\"12\" height=\"12\" fill=\"#3b6fb6\"/><text x=\"\(f(legendX + 16))\" y=\"\(f(top + 10))\">precision</text>\n"
        svg += "<rect x=\"\(f(legendX))\" y=\"\(f(top + 18))\" width=\"12\" height=\"12\" fill=\"#e08a2c\"/><text x=\"\(f(legendX + 16))\" y=\"\(f(top + 28))\">recall</text>\n"
        svg += "</svg>\n"
        return svg
    }

    /// Latency per engine on a log scale: whisker min–max, box p50–p95, a tick at p99.
    public static func latencySVG(_ result: AccuracyResult) -> String {
        let detectors = result.detectorRows.compactMap { name, metrics in metrics.latency.map { (name, $0) } }
            + (result.ensemble.latency.map { [("whole scan", $0)] } ?? [])
        let left = 130.0
        let plotWidth = 460.0
        let rowHeight = 28.0
        let top = 40.0
        let height = top + rowHeight * Double(max(1, detectors.count)) + 50
        let width = left + plotWidth + 30
        let maxValue = max(1, detectors.map(\.1.max).max() ?? 1)
        let minValue = max(0.01, min(maxValue / 10, detectors.map(\.1.min).filter { $0 > 0 }.min() ?? 0.01))
        let logMin = log10(minValue)
        let logMax = log10(maxValue) + 0.05
        func x(_ value: Double) -> Double {
            let clamped = min(max(value, minValue), pow(10, logMax))
            return left + plotWidth * (log10(clamped) - logMin) / (logMax - logMin)
        }
        var svg = """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" width="\(f(width))" height="\(f(height))" viewBox="0 0 \(f(width)) \(f(height))" font-family="sans-serif" font-size="11">
            <title>Latency per engine (ms, log scale): min–max whisker, p50–p95 box, p99 tick</title>
            <rect x="0" y="0" width="\(f(width))" height="\(f(height))" fill="white"/>
            <text x="10" y="20" font-size="14">Latency per engine, ms (log): whisker min–max, box p50–p95, red tick p99</text>

            """
        var decade = floor(logMin)
        while decade <= ceil(logMax) {
            let value = pow(10, decade)
            if value >= minValue / 1.0001, value <= pow(10, logMax) {
                let px = x(value)
                svg += "<line x1=\"\(f(px))\" y1=\"\(f(top - 6))\" x2=\"\(f(px))\" y2=\"\(f(height - 40))\" stroke=\"#ddd\"/>\n"
                svg += "<text x=\"\(f(px))\" y=\"\(f(height - 26))\" text-anchor=\"middle\">\(ms(value))</text>\n"
            }
            decade += 1
        }
        for (index, (name, latency)) in detectors.enumerated() {
            let y = top + rowHeight * Double(index) + rowHeight / 2
            svg += "<text x=\"\(f(left - 8))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(escape(name))</text>\n"
            svg += "<line x1=\"\(f(x(latency.min)))\" y1=\"\(f(y))\" x2=\"\(f(x(latency.max)))\" y2=\"\(f(y))\" stroke=\"black\"/>\n"
            let boxX = x(latency.p50)
            svg += "<rect x=\"\(f(boxX))\" y=\"\(f(y - 8))\" width=\"\(f(max(1, x(latency.p95) - boxX)))\" height=\"16\" fill=\"#3b6fb6\" fill-opacity=\"0.6\" stroke=\"#3b6fb6\">"
            svg += "<title>\(escape(name)): p50 \(ms(latency.p50)) p95 \(ms(latency.p95)) p99 \(ms(latency.p99)) max \(ms(latency.max)) ms (\(latency.samples) samples)</title></rect>\n"
            svg += "<line x1=\"\(f(x(latency.p99)))\" y1=\"\(f(y - 10))\" x2=\"\(f(x(latency.p99)))\" y2=\"\(f(y + 10))\" stroke=\"#c0392b\" stroke-width=\"2\"/>\n"
        }
        svg += "</svg>\n"
        return svg
    }
}
