import Foundation

/// A program the operator configured for Moat to run (release a held message, tell a sender
/// something): an argument vector, never a shell, so nothing from a message can become a command.
///
/// `run` blocks until the program ends or its timeout, so callers run it on a thread of their own
/// or the blocking pool, never on the cooperative pool.
public struct ExternalCommand: Sendable, Hashable {
    public var arguments: [String]

    public init(_ arguments: [String]) {
        self.arguments = arguments
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Runs the command with `{name}` placeholders in its arguments replaced from `substitutions`
    /// and `extra` appended; `input` goes to its standard input from a file (not a pipe, so a
    /// program that does not read it cannot raise SIGPIPE here). Killed after `timeout`. Returns
    /// its output; throws with the output when it exits non-zero. At the timeout the program gets
    /// SIGKILL.
    @discardableResult
    public func run(substitutions: [String: String] = [:], extra: [String] = [], input: String = "",
                    timeout: Duration = .seconds(30)) throws -> String {
        guard let program = arguments.first else { return "" }
        let directory = FileManager.default.temporaryDirectory
        let inputFile = directory.appendingPathComponent("moat-command-\(UUID().uuidString)")
        let outputFile = directory.appendingPathComponent("moat-command-\(UUID().uuidString).out")
        defer {
            try? FileManager.default.removeItem(at: inputFile)
            try? FileManager.default.removeItem(at: outputFile)
        }
        try Data(input.utf8).write(to: inputFile)
        guard FileManager.default.createFile(atPath: outputFile.path, contents: nil) else {
            throw Failure(description: "cannot create \(outputFile.path)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments.dropFirst().map { argument in
            substitutions.reduce(argument) { $0.replacingOccurrences(of: "{\($1.key)}", with: $1.value) }
        } + extra
        process.standardInput = try FileHandle(forReadingFrom: inputFile)
        let said = try FileHandle(forWritingTo: outputFile)
        process.standardOutput = said
        process.standardError = said
        try process.run()
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while process.isRunning {
            guard clock.now < deadline else {
                // SIGKILL, not SIGTERM: a program may ignore SIGTERM (`unshare --fork` does, to
                // leave it to its child) and then the wait below would never end.
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                throw Failure(description: "\(program) did not finish within \(timeout)")
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        let output = (try? String(contentsOf: outputFile, encoding: .utf8)) ?? ""
        guard process.terminationStatus == 0 else {
            throw Failure(description: "\(program) exited \(process.terminationStatus): \(output.prefix(500))")
        }
        return output
    }
}
