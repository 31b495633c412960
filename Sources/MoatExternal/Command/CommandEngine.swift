import Foundation
import MoatCore
import MoatMessage

/// Runs a command-line scanner (clamscan, a vendor CLI) on each message or attachment.
///
/// The content goes to the scanner as a file in a private temporary directory (mode 0700, removed
/// afterwards) named by `{file}` in the argument template, or on standard input. The command runs
/// without a shell in its own process group; at `timeout_ms` the whole group is killed. The exit
/// code says clean or detected (anything unmapped is an error, never a silent clean), and
/// `name_pattern`'s first capture group names the threat from the output.
public final class CommandEngine: ScanEngine {
    struct Configuration: Sendable {
        /// The argument template, placeholders still in it.
        var arguments: [String]
        var rulesDirectory: String
        var viaStandardInput: Bool
        var attachmentsOnly: Bool
        var cleanCodes: Set<Int32>
        var detectedCodes: Set<Int32>
        var namePattern: NSRegularExpressionBox?
        var maxOutputBytes: Int
        var temporaryDirectory: String
        var timeout: Duration
        var category: VerdictCategory
        var score: Double
        var resilience: ResilienceSettings
    }

    let configuration: Configuration
    private let peerGuard: PeerGuard

    init(configuration: Configuration) {
        self.configuration = configuration
        self.peerGuard = PeerGuard(peer: configuration.arguments[0], settings: configuration.resilience)
    }

    public func scan(_ input: ScanInput, context: ScanContext) async throws -> EngineReport {
        let subjects = ScanSubject.subjects(of: input.message, attachmentsOnly: configuration.attachmentsOnly)
        guard !subjects.isEmpty else { return .clean }
        let configuration = self.configuration
        var findings: [Finding] = []
        for subject in subjects {
            let threat = try await peerGuard.run {
                try await BlockingWorkPool.scannerProcesses.run { try Self.scan(subject, configuration) }
            }
            if let threat {
                findings.append(Finding(code: "command.threat", detail: threat, score: configuration.score, partPath: subject.partPath))
            }
        }
        guard !findings.isEmpty else { return .clean }
        return EngineReport(category: configuration.category, score: configuration.score, findings: findings)
    }

    /// Runs the scanner on one subject; returns the threat name, or nil when clean.
    static func scan(_ subject: ScanSubject, _ configuration: Configuration) throws -> String? {
        let program = configuration.arguments[0]
        var directory: String?
        defer { if let directory { try? FileManager.default.removeItem(atPath: directory) } }
        var file = ""
        if !configuration.viaStandardInput {
            var template = Array((configuration.temporaryDirectory + "/moat-scan.XXXXXX").utf8CString)
            guard let made = mkdtemp(&template) else {
                throw ExternalError.command(program: program, reason: "cannot create a temporary directory in \(configuration.temporaryDirectory): \(String(cString: strerror(errno)))")
            }
            directory = String(cString: made)
            file = directory! + "/" + fileName(for: subject)
            let fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw ExternalError.command(program: program, reason: "cannot write \(file): \(String(cString: strerror(errno)))") }
            defer { close(fd) }
            var written = 0
            while written < subject.bytes.count {
                let count = subject.bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, $0.count - written) }
                guard count > 0 || errno == EINTR else {
                    throw ExternalError.command(program: program, reason: "cannot write \(file): \(String(cString: strerror(errno)))")
                }
                written += max(0, count)
            }
        }
        let arguments = configuration.arguments.map {
            $0.replacingOccurrences(of: "{file}", with: file).replacingOccurrences(of: "{rules}", with: configuration.rulesDirectory)
        }
        let outcome = try ScannerProcess.run(arguments, input: configuration.viaStandardInput ? subject.bytes : nil,
                                             outputLimit: configuration.maxOutputBytes, timeout: configuration.timeout)
        return try interpret(outcome, configuration)
    }

    /// Maps an exit code and output to clean (nil), a threat name, or an error.
    static func interpret(_ outcome: ScannerProcess.Outcome, _ configuration: Configuration) throws -> String? {
        let program = configuration.arguments[0]
        guard let code = outcome.exitCode else {
            throw ExternalError.command(program: program, reason: "killed by signal \(outcome.signal ?? 0)")
        }
        let text = String(decoding: outcome.output, as: UTF8.self)
        let name = configuration.namePattern?.firstCapture(in: text)
        if configuration.detectedCodes.contains(code) {
            return name ?? "detected (exit code \(code))"
        }
        if configuration.cleanCodes.contains(code) {
            // With no detection codes, the output pattern alone decides.
            return configuration.detectedCodes.isEmpty ? name : nil
        }
        let excerpt = text.split(whereSeparator: \.isNewline).suffix(3).joined(separator: " | ")
        throw ExternalError.command(program: program, reason: "exit code \(code) is neither clean nor detected: \(excerpt.prefix(300))")
    }

    /// A harmless file name: the attachment's own name (letters, digits, `.-_`) or `message.eml`.
    static func fileName(for subject: ScanSubject) -> String {
        guard let filename = subject.filename else { return subject.partPath.isEmpty ? "message.eml" : "part-\(subject.partPath).bin" }
        let safe = String(filename.unicodeScalars.map { scalar -> Character in
            scalar.properties.isAlphabetic && scalar.isASCII || ("0"..."9").contains(scalar) || "._-".unicodeScalars.contains(scalar) ? Character(scalar) : "_"
        }.prefix(100))
        return safe.isEmpty || safe.hasPrefix(".") ? "part-\(subject.partPath).bin" : safe
    }

    public var status: [String: String] {
        var status = peerGuard.status
        status["command"] = configuration.arguments.joined(separator: " ")
        status["input"] = configuration.viaStandardInput ? "stdin" : "file"
        return status
    }
}

/// A compiled `name_pattern`. `@unchecked Sendable`: NSRegularExpression is immutable and
/// documented as safe to use from several threads.
struct NSRegularExpressionBox: @unchecked Sendable {
    let expression: NSRegularExpression

    init(_ pattern: String) throws {
        expression = try NSRegularExpression(pattern: pattern, options: [.anchorsMatchLines])
    }

    func firstCapture(in text: String) -> String? {
        let range = NSRange(text.startIndex..<text.endIndex, in: text)
        guard let match = expression.firstMatch(in: text, range: range), match.numberOfRanges > 1,
              let capture = Range(match.range(at: 1), in: text) else { return nil }
        let name = String(text[capture]).trimmingSpaces
        return name.isEmpty ? nil : name
    }
}
