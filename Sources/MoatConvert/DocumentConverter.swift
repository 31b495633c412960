import Foundation
import MoatCore

/// Turns one document into PDF or text with LibreOffice (or a PDF into text with pdftotext).
///
/// Each conversion runs in a job directory of its own, in a LibreOffice profile no other
/// conversion uses at the same time (`concurrency` profiles, so one document at a time each),
/// with the adapter's timeout; with `isolate_network` it runs under `unshare --net --pid`, so it
/// has no network and a timeout kills every process it started. The waits are on the scanner
/// process pool, never the scan pool. LibreOffice does not run a document's macros when
/// converting (its default macro security, and nothing here lowers it).
final class DocumentConverter: Sendable {
    /// What kind of document a file is, by its extension: what it is converted with and to.
    enum Family: Sendable, Equatable, CaseIterable {
        case text, spreadsheet, presentation, pdf
        /// Decoded to raw pixels and encoded anew (netpbm): metadata and anything aimed at an
        /// image parser are gone; the picture stays.
        case image

        /// The extensions of each kind: the one table `ConvertSettings` and the converter share.
        var extensions: Set<String> {
            switch self {
            case .text: ["doc", "docm", "docx", "dot", "dotm", "dotx", "odt", "rtf"]
            case .spreadsheet: ["xls", "xlsm", "xlsx", "xlsb", "xlt", "xltm", "ods"]
            case .presentation: ["ppt", "pptm", "pptx", "pps", "ppsm", "odp"]
            case .pdf: ["pdf"]
            case .image: ["png", "jpg", "jpeg", "gif", "bmp", "tif", "tiff"]
            }
        }

        init?(fileExtension: String) {
            guard let family = Self.allCases.first(where: { $0.extensions.contains(fileExtension) }) else { return nil }
            self = family
        }
    }

    /// What a document becomes.
    enum Kind: Sendable, Equatable {
        case pdf, text, csv, png, jpeg

        var fileExtension: String {
            switch self {
            case .pdf: "pdf"
            case .text: "txt"
            case .csv: "csv"
            case .png: "png"
            case .jpeg: "jpg"
            }
        }

        var mediaType: String {
            switch self {
            case .pdf: "application/pdf"
            case .text: "text/plain; charset=utf-8"
            case .csv: "text/csv; charset=utf-8"
            case .png: "image/png"
            case .jpeg: "image/jpeg"
            }
        }

        /// The name the recipient's note gives it.
        func label(_ language: NoteLanguage) -> String {
            switch (self, language) {
            case (.text, .en): "plain text"
            case (.text, .ja): "テキスト"
            case (.csv, .en): "CSV (first sheet)"
            case (.csv, .ja): "CSV（最初のシート）"
            case (.pdf, _): "PDF"
            case (.png, _): "PNG"
            case (.jpeg, _): "JPEG"
            }
        }
    }

    struct Output: Sendable, Equatable {
        var bytes: [UInt8]
        var kind: Kind
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let settings: ConvertSettings
    private let profiles: ProfileSlots

    init(settings: ConvertSettings) {
        self.settings = settings
        self.profiles = ProfileSlots(count: settings.concurrency)
    }

    /// What a document of `family` (named `.fileExtension`) becomes under the configured target.
    func kind(of family: Family, fileExtension: String) -> Kind {
        switch (settings.target, family) {
        case (_, .image): fileExtension == "jpg" || fileExtension == "jpeg" ? .jpeg : .png
        case (.text, .text), (.text, .pdf): .text
        case (.text, .spreadsheet): .csv
        default: .pdf
        }
    }

    /// The commands that turn `input` into `output`, in order.
    func commands(_ family: Family, _ kind: Kind, input: String, output: String, job: String, profile: Int) -> [[String]] {
        switch (family, kind) {
        case (.image, _):
            let pixels = job + "/pixels.pnm"
            return [Self.writingTo(pixels, Self.imageDecoder(input) + [input]),
                    Self.writingTo(output, (kind == .jpeg ? ["/usr/bin/pnmtojpeg", "--quality=90"] : ["/usr/bin/pnmtopng"]) + [pixels])]
        case (.pdf, _):
            return [[settings.pdftotext, "-enc", "UTF-8", input, output]]
        default:
            let filter = switch kind {
            case .text: "txt:Text (encoded):UTF8"
            case .csv: "csv:Text - txt - csv (StarCalc):44,34,76"
            default: "pdf"
            }
            return [[
                settings.soffice, "-env:UserInstallation=file://\(settings.workDirectory)/profile-\(profile)",
                "--headless", "--norestore", "--nolockcheck", "--nodefault", "--nofirststartwizard",
                "--convert-to", filter, "--outdir", (output as NSString).deletingLastPathComponent, input,
            ]]
        }
    }

    /// Converts `bytes`, a document whose name ends in `fileExtension` (one of the allowed ones).
    func convert(_ bytes: [UInt8], fileExtension: String) async throws -> Output {
        guard let family = Family(fileExtension: fileExtension) else { throw Failure(description: "not a type converted here: .\(fileExtension)") }
        let profile = await profiles.acquire()
        do {
            let result = try await BlockingWorkPool.scannerProcesses.run { [self] in
                try run(bytes, fileExtension: fileExtension, family: family, profile: profile)
            }
            await profiles.release(profile)
            return result
        } catch {
            await profiles.release(profile)
            throw error
        }
    }

    /// Blocks until the converter ends or the timeout kills it.
    private func run(_ bytes: [UInt8], fileExtension: String, family: Family, profile: Int) throws -> Output {
        let files = FileManager.default
        let job = settings.workDirectory + "/job-" + UUID().uuidString
        let outDirectory = job + "/out"
        do {
            try files.createDirectory(atPath: outDirectory, withIntermediateDirectories: true)
        } catch {
            throw Failure(description: "cannot create \(outDirectory): \(error)")
        }
        defer { try? files.removeItem(atPath: job) }
        // The extension is one of the allow-list's (never the sender's text), and LibreOffice
        // chooses its import filter from it and the content.
        let input = job + "/in." + fileExtension
        guard files.createFile(atPath: input, contents: Data(bytes)) else { throw Failure(description: "cannot write \(input)") }
        let kind = kind(of: family, fileExtension: fileExtension)
        // LibreOffice names its output after the input: `in.<the kind's extension>`.
        let produced = outDirectory + "/in." + kind.fileExtension
        var said = ""
        for command in commands(family, kind, input: input, output: produced, job: job, profile: profile) {
            said = try isolated(command)
        }
        guard let data = files.contents(atPath: produced), !data.isEmpty else {
            let detail = said.split(whereSeparator: \.isNewline).filter { !$0.contains("javaldx") }.joined(separator: " ")
            throw Failure(description: "no \(kind.label(.en)) came out\(detail.isEmpty ? "" : ": " + String(detail.prefix(300)))")
        }
        return Output(bytes: Array(data), kind: kind)
    }
}

extension DocumentConverter {
    /// Runs `arguments` with the timeout, in their own network and PID namespaces when
    /// `isolate_network` is on; returns what they printed.
    fileprivate func isolated(_ arguments: [String]) throws -> String {
        let command = settings.isolateNetwork ? [ConvertSettings.unshare, "--net", "--pid", "--fork", "--kill-child"] + arguments : arguments
        do {
            return try ExternalCommand(command).run(timeout: settings.timeout)
        } catch {
            throw Failure(description: "\(error)")
        }
    }

    /// `command`, its standard output written to `file` (netpbm writes only there). The shell
    /// text is fixed; the file and the command reach it as arguments, never as text it parses.
    fileprivate static func writingTo(_ file: String, _ command: [String]) -> [String] {
        ["/bin/sh", "-c", "f=$1; shift; exec \"$@\" > \"$f\"", "sh", file] + command
    }

    /// The netpbm decoder for an image file (transparency is laid on white).
    fileprivate static func imageDecoder(_ file: String) -> [String] {
        switch (file as NSString).pathExtension {
        case "png": ["/usr/bin/pngtopnm", "-mix", "-background=#ffffff"]
        case "jpg", "jpeg": ["/usr/bin/jpegtopnm"]
        case "gif": ["/usr/bin/giftopnm"]
        case "bmp": ["/usr/bin/bmptopnm"]
        default: ["/usr/bin/tifftopnm"]
        }
    }
}

/// LibreOffice profiles: a conversion takes one and gives it back, so no two share a profile.
actor ProfileSlots {
    private var free: [Int]
    private var waiters: [CheckedContinuation<Int, Never>] = []

    init(count: Int) {
        free = Array((0..<max(1, count)).reversed())
    }

    func acquire() async -> Int {
        if let slot = free.popLast() { return slot }
        return await withCheckedContinuation { waiters.append($0) }
    }

    func release(_ slot: Int) {
        if waiters.isEmpty {
            free.append(slot)
        } else {
            waiters.removeFirst().resume(returning: slot)
        }
    }
}
