/// What an ICAP answer says about the content, read from the headers scanners use.
enum ICAPVerdict: Sendable, Equatable {
    case clean
    /// Threat names (or a description of how the service blocked the content when it named none).
    case infected([String])

    /// Reads a final RESPMOD answer; nil when its status is neither 200 nor 204 (a service error).
    ///
    /// Threat names come from `X-Infection-Found` (`Type=0; Resolution=2; Threat=NAME;`),
    /// `X-Violations-Found` (a count, then filename, threat, id and disposition per violation) and
    /// `X-Virus-ID`. Without them, a service that replaced the response with an HTTP error page
    /// (403) or changed the body is read as having blocked it.
    static func interpret(_ answer: ICAPAnswer, original: [UInt8]) -> ICAPVerdict? {
        switch answer.head.statusCode {
        case 204:
            return .clean
        case 200:
            break
        default:
            return nil
        }
        var threats: [String] = []
        for value in answer.head.values("X-Infection-Found") {
            for item in value.split(separator: ";") {
                let pair = item.split(separator: "=", maxSplits: 1).map { String($0).trimmingSpaces }
                if pair.count == 2, pair[0].lowercased() == "threat", !pair[1].isEmpty { threats.append(pair[1]) }
            }
        }
        for value in answer.head.values("X-Violations-Found") {
            let lines = value.split(whereSeparator: \.isNewline).map { String($0).trimmingSpaces }
            guard let count = lines.first.flatMap({ Int($0) }) else { continue }
            for index in 0..<min(count, 100) {
                let line = 1 + index * 4 + 1
                if line < lines.count, !lines[line].isEmpty { threats.append(lines[line]) }
            }
        }
        for value in answer.head.values("X-Virus-ID") where !value.isEmpty {
            threats.append(value)
        }
        var unique: [String] = []
        for threat in threats where !unique.contains(threat) { unique.append(threat) }
        if !unique.isEmpty { return .infected(unique) }
        if let status = answer.httpHead?.statusCode, !(200..<300).contains(status) {
            return .infected(["blocked (HTTP \(status) from the ICAP service)"])
        }
        if let body = answer.body, body != original {
            return .infected(["modified by the ICAP service"])
        }
        return .clean
    }
}
