import Foundation

/// Finds and runs the independent tools the cross-checks use: oletools' `olevba` and LibreOffice.
///
/// `olevba` is `$MOAT_OLEVBA` or the first `olevba` on `PATH`; `soffice` is `$MOAT_SOFFICE` or the
/// first on `PATH` (`MOAT_SOFFICE=none` turns it off, to exercise the synthetic fixtures).
/// Tests that need one skip with a message naming it when it is absent.
enum ExternalTools {
    static let olevba: String? = {
        if let path = ProcessInfo.processInfo.environment["MOAT_OLEVBA"], FileManager.default.isExecutableFile(atPath: path) { return path }
        return onPath("olevba")
    }()

    /// XLMMacroDeobfuscator's command: `$MOAT_XLMDEOBFUSCATOR` (`make` installs it in its own
    /// environment) or the first `xlmdeobfuscator` on `PATH`.
    static let xlmDeobfuscator: String? = {
        if let path = ProcessInfo.processInfo.environment["MOAT_XLMDEOBFUSCATOR"], FileManager.default.isExecutableFile(atPath: path) { return path }
        return onPath("xlmdeobfuscator")
    }()

    static let soffice: String? = {
        switch ProcessInfo.processInfo.environment["MOAT_SOFFICE"] {
        case "none": return nil
        case let path? where FileManager.default.isExecutableFile(atPath: path): return path
        default: return onPath("soffice")
        }
    }()

    static func onPath(_ name: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let path = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    /// Runs a program, returning its exit status and standard output.
    @discardableResult
    static func run(_ program: String, _ arguments: [String]) throws -> (status: Int32, output: Data) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    /// How olevba sees a file: whether any VBA or XLM macro is listed.
    static func olevbaFindsMacros(_ file: URL) throws -> Bool {
        guard let olevba else { return false }
        let (_, output) = try run(olevba, ["--json", file.path])
        guard let items = try JSONSerialization.jsonObject(with: output) as? [[String: Any]] else { return false }
        return items.contains { ($0["macros"] as? [Any])?.isEmpty == false }
    }

    /// Whether XLMMacroDeobfuscator finds Excel 4.0 macro cells or a name that starts them.
    static func xlmDeobfuscatorFindsMacros(_ file: URL) throws -> Bool {
        guard let xlmDeobfuscator else { return false }
        let (_, output) = try run(xlmDeobfuscator, ["--file", file.path, "-n", "--timeout", "60"])
        let text = String(decoding: output, as: UTF8.self).lowercased()
        return text.contains("cell:") || text.contains("auto_open:") || text.contains("auto_close:")
    }

    /// Converts `input` with LibreOffice (its own profile, so runs never share state).
    static func convert(_ input: URL, to format: String, in dir: URL) throws -> [UInt8] {
        guard let soffice else { throw CocoaError(.featureUnsupported) }
        let profile = dir.appendingPathComponent("lo-profile-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: profile) }
        try run(soffice, ["-env:UserInstallation=\(profile.absoluteString)", "--headless", "--convert-to", format,
                          "--outdir", dir.path, input.path])
        let output = dir.appendingPathComponent(input.deletingPathExtension().lastPathComponent + "." + format.split(separator: ":").first!)
        return Array(try Data(contentsOf: output))
    }

    /// Whether LibreOffice opens `file` and prints it to a non-empty PDF.
    static func libreOfficeOpens(_ file: URL) -> Bool {
        let dir = file.deletingLastPathComponent().appendingPathComponent("pdf-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        guard let pdf = try? convert(file, to: "pdf", in: dir) else { return false }
        return pdf.count > 100 && pdf.starts(with: Array("%PDF".utf8))
    }

    static func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("moat-macro-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }
}
