import Foundation
import MoatCore

/// Builds `CommandEngine`s from manifests with `adapter = "command"`.
///
/// Options (defaults in brackets):
/// - `command` (required): the argument vector, e.g.
///   `["clamscan", "--no-summary", "-d", "{rules}/clamav", "{file}"]`; `{file}` is the scanned
///   file, `{rules}` Moat's rules directory. No shell is involved.
/// - `input` ["file"]: `"file"` (the template must contain `{file}`) or `"stdin"`
/// - `mode` ["message"]: `"message"` or `"attachments"` (each decoded attachment on its own)
/// - `clean_codes` [[0]], `detected_codes` [[1]]: any other exit code is an error. With
///   `detected_codes = []`, a `name_pattern` match on a clean exit is the detection.
/// - `name_pattern` [none]: a regular expression (NSRegularExpression, `^`/`$` match lines) whose
///   first capture group is the threat name
/// - `max_output_bytes` [65536]: output kept for `name_pattern`; the rest is read and dropped
/// - `temporary_directory` ["/tmp"], `category` ["malware"], `score` [10]
/// - `timeout_ms` [the manifest's]: the whole process group is killed at this point
/// - `retries` [1], `retry_backoff_ms` [100], `breaker_failures` [5], `breaker_probe_ms` [30000]
public struct CommandEngineFactory: EngineFactory {
    public init() {}

    public var adapter: String { "command" }

    static let knownKeys: Set<String> = EngineOptions.resilienceKeys.union([
        "command", "input", "mode", "clean_codes", "detected_codes", "name_pattern", "max_output_bytes",
        "temporary_directory", "category", "score",
    ])

    public func makeEngine(_ manifest: EngineManifest, context: EngineBuildContext) async throws -> any ScanEngine {
        let reader = EngineOptions(manifest.options, context: context)
        try reader.rejectUnknown(Self.knownKeys)
        guard let arguments = try reader.strings("command"), let program = arguments.first, !program.isEmpty else {
            throw context.invalid("command", "required: the scanner's argument vector, e.g. [\"clamscan\", \"--no-summary\", \"{file}\"]")
        }
        let viaStandardInput = try (reader.choice("input", among: ["file", "stdin"]) ?? "file") == "stdin"
        if !viaStandardInput && !arguments.contains(where: { $0.contains("{file}") }) {
            throw context.invalid("command", "with input = \"file\" an argument must contain {file}")
        }
        if program.contains("{") { throw context.invalid("command", "the program itself cannot be a placeholder") }
        let cleanCodes = try reader.integers("clean_codes", in: 0...255) ?? [0]
        let detectedCodes = try reader.integers("detected_codes", in: 0...255) ?? [1]
        if let overlap = Set(cleanCodes).intersection(detectedCodes).first {
            throw context.invalid("detected_codes", "exit code \(overlap) is also in clean_codes")
        }
        var namePattern: NSRegularExpressionBox?
        if let pattern = try reader.string("name_pattern") {
            do {
                namePattern = try NSRegularExpressionBox(pattern)
            } catch {
                throw context.invalid("name_pattern", "not a valid regular expression")
            }
            guard namePattern!.expression.numberOfCaptureGroups >= 1 else {
                throw context.invalid("name_pattern", "needs a capture group for the threat name")
            }
        }
        if detectedCodes.isEmpty && namePattern == nil {
            throw context.invalid("detected_codes", "empty detected_codes needs a name_pattern, or nothing could ever be detected")
        }
        let temporaryDirectory = try reader.string("temporary_directory") ?? "/tmp"
        guard temporaryDirectory.hasPrefix("/") else { throw context.invalid("temporary_directory", "expected an absolute path") }
        return CommandEngine(configuration: .init(
            arguments: arguments,
            rulesDirectory: context.rulesDirectory,
            viaStandardInput: viaStandardInput,
            attachmentsOnly: try (reader.choice("mode", among: ["message", "attachments"]) ?? "message") == "attachments",
            cleanCodes: Set(cleanCodes.map(Int32.init)),
            detectedCodes: Set(detectedCodes.map(Int32.init)),
            namePattern: namePattern,
            maxOutputBytes: try reader.integer("max_output_bytes", in: 256...(16 << 20)) ?? 65_536,
            temporaryDirectory: temporaryDirectory,
            timeout: try reader.timeout(manifest: manifest),
            category: try (reader.choice("category", VerdictCategory.self) ?? .malware),
            score: try reader.number("score", in: 0...1000) ?? 10,
            resilience: try reader.resilience()
        ))
    }
}
