import Foundation

/// Charts drawn on the server as inline SVG: no script, nothing fetched, and every label escaped.
/// Colours are attributes (the Content-Security-Policy forbids inline style).
enum SVGChart {
    static let palette = ["#2da44e", "#0969da", "#bf8700", "#cf222e", "#8250df", "#57606a", "#1b7c83", "#953800"]

    /// Stacked bars, one per bucket, one colour per series, with a legend.
    static func stackedBars(title: String, buckets: [(label: String, values: [Int])], series: [String],
                            width: Int = 960, height: Int = 220) -> String {
        let left = 40, bottom = 36, top = 24
        let plotHeight = height - bottom - top
        let maximum = max(1, buckets.map { $0.values.reduce(0, +) }.max() ?? 1)
        let slot = buckets.isEmpty ? 0 : Double(width - left - 8) / Double(buckets.count)
        var svg = """
        <svg class="chart" role="img" aria-label="\(escape(title))" viewBox="0 0 \(width) \(height)" width="\(width)" height="\(height)" xmlns="http://www.w3.org/2000/svg">
        <title>\(escape(title))</title>
        <line x1="\(left)" y1="\(top + plotHeight)" x2="\(width - 8)" y2="\(top + plotHeight)" stroke="#d0d7de"/>
        <text x="4" y="\(top + 8)">\(maximum)</text><text x="4" y="\(top + plotHeight)">0</text>

        """
        for (index, bucket) in buckets.enumerated() {
            let x = Double(left) + Double(index) * slot + 1
            var y = Double(top + plotHeight)
            for (seriesIndex, value) in bucket.values.enumerated() where value > 0 {
                let h = Double(plotHeight) * Double(value) / Double(maximum)
                y -= h
                let colour = palette[seriesIndex % palette.count]
                svg += "<rect x=\"\(format(x))\" y=\"\(format(y))\" width=\"\(format(max(1, slot - 2)))\" height=\"\(format(h))\" fill=\"\(colour)\"><title>\(escape(bucket.label)) \(escape(series[safe: seriesIndex] ?? "")): \(value)</title></rect>\n"
            }
            if index % max(1, buckets.count / 12) == 0 {
                svg += "<text x=\"\(format(x))\" y=\"\(height - bottom + 14)\">\(escape(bucket.label))</text>\n"
            }
        }
        var legendX = left
        for (index, name) in series.enumerated() {
            svg += "<rect x=\"\(legendX)\" y=\"4\" width=\"10\" height=\"10\" fill=\"\(palette[index % palette.count])\"/><text x=\"\(legendX + 14)\" y=\"13\">\(escape(name))</text>\n"
            legendX += 24 + name.count * 7
        }
        return svg + "</svg>"
    }

    /// Lines over days, values in 0...`maximum` (missing days leave a gap), one colour per series.
    static func lines(title: String, days: [String], series: [(name: String, values: [Double?])], maximum: Double = 1,
                      width: Int = 960, height: Int = 220) -> String {
        let maximum = maximum > 0 && maximum.isFinite ? maximum : 1
        let left = 40, bottom = 36, top = 24
        let plotHeight = Double(height - bottom - top)
        let step = days.count > 1 ? Double(width - left - 16) / Double(days.count - 1) : 0
        var svg = """
        <svg class="chart" role="img" aria-label="\(escape(title))" viewBox="0 0 \(width) \(height)" width="\(width)" height="\(height)" xmlns="http://www.w3.org/2000/svg">
        <title>\(escape(title))</title>
        <line x1="\(left)" y1="\(top)" x2="\(width - 8)" y2="\(top)" stroke="#eef1f4"/>
        <line x1="\(left)" y1="\(Double(top) + plotHeight)" x2="\(width - 8)" y2="\(Double(top) + plotHeight)" stroke="#d0d7de"/>
        <text x="4" y="\(top + 4)">\(format(maximum))</text><text x="4" y="\(Double(top) + plotHeight)">0.0</text>

        """
        for (index, day) in days.enumerated() where index % max(1, days.count / 10) == 0 {
            svg += "<text x=\"\(format(Double(left) + Double(index) * step))\" y=\"\(height - bottom + 14)\">\(escape(day))</text>\n"
        }
        for (seriesIndex, line) in series.enumerated() {
            let colour = palette[seriesIndex % palette.count]
            var path = ""
            var pen = false
            for (index, value) in line.values.enumerated() {
                guard let value else { pen = false; continue }
                let x = Double(left) + Double(index) * step
                let y = Double(top) + plotHeight * (1 - min(1, max(0, value / maximum)))
                path += "\(pen ? "L" : "M")\(format(x)) \(format(y)) "
                pen = true
                svg += "<circle cx=\"\(format(x))\" cy=\"\(format(y))\" r=\"3\" fill=\"\(colour)\"><title>\(escape(line.name)) \(escape(days[safe: index] ?? "")): \(format(value))</title></circle>\n"
            }
            if !path.isEmpty { svg += "<path d=\"\(path)\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\"/>\n" }
            svg += "<rect x=\"\(left + seriesIndex * 110)\" y=\"4\" width=\"10\" height=\"10\" fill=\"\(colour)\"/><text x=\"\(left + seriesIndex * 110 + 14)\" y=\"13\">\(escape(line.name))</text>\n"
        }
        return svg + "</svg>"
    }

    static func format(_ value: Double) -> String {
        String(format: "%.1f", value)
    }

    /// Text for SVG content and attribute values.
    static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "&": result += "&amp;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.append(character)
            }
        }
        return result
    }
}

extension Array {
    subscript(safe index: Int) -> Element? {
        indices.contains(index) ? self[index] : nil
    }
}
