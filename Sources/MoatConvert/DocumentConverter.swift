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
    /// What LibreOffice is asked for, by what kind of document the file is.
    enum Family: Sendable, Equatable {
        case text, spreadsheet, presentation, pdf
        /// Decoded to raw pixels and encoded anew (netpbm): metadata and anything aimed at an
        /// image parser are gone; the picture stays.
        case image

        init?(fileExtension: String) {
            switch fileExtension {
            case "png", "jpg", "jpeg", "gif", "bmp", "tif", "tiff": self = .image
            case "doc", "docm", "docx", "dot", "dotm", "dotx", "odt", "rtf": self = .text
            case "xls", "xlsm", "xlsx", "xlsb", "xlt", "xltm", "ods": self = .spreadsheet
            case "ppt", "pptm", "pptx", "pps", "ppsm", "odp": self = .presentation
            case "pdf": self = .pdf
            default: return nil
            }
        }
    }

    struct Output: Sendable, Equatable {
        var bytes: [UInt8]
        var fileExtension: String
        var mediaType: String
        /// For the note: "PDF", "plain text", "CSV".
        var label: String
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

    /// The output a document of `family` gets under the configured target.
    func output(for family: Family) -> (filter: String?, fileExtension: String, mediaType: String, label: String) {
        switch (settings.target, family) {
        case (.text, .text): ("txt:Text (encoded):UTF8", "txt", "text/plain; charset=utf-8", "plain text")
        case (.text, .spreadsheet): ("csv:Text - txt - csv (StarCalc):44,34,76", "csv", "text/csv; charset=utf-8", "CSV (first sheet)")
        case (.text, .pdf): (nil, "txt", "text/plain; charset=utf-8", "plain text")
        case (_, .image): (nil, "png", "image/png", "PNG")
        case (_, _): ("pdf", "pdf", "application/pdf", "PDF")
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
        var wanted = output(for: family)
        if family == .image, fileExtension == "jpg" || fileExtension == "jpeg" { wanted = (nil, "jpg", "image/jpeg", "JPEG") }
        let produced = outDirectory + "/in." + wanted.fileExtension
        if family == .image {
            let pixels = job + "/pixels.pnm"
            _ = try isolated(Self.writingTo(pixels, Self.imageDecoder(fileExtension) + [input]))
            _ = try isolated(Self.writingTo(produced, (wanted.fileExtension == "jpg" ? ["/usr/bin/pnmtojpeg", "--quality=90"] : ["/usr/bin/pnmtopng"]) + [pixels]))
            guard let data = files.contents(atPath: produced), !data.isEmpty else { throw Failure(description: "no \(wanted.label) came out") }
            return Output(bytes: Array(data), fileExtension: wanted.fileExtension, mediaType: wanted.mediaType, label: wanted.label)
        }
        var arguments: [String]
        if let filter = wanted.filter {
            arguments = [
                settings.soffice, "-env:UserInstallation=file://\(settings.workDirectory)/profile-\(profile)",
                "--headless", "--norestore", "--nolockcheck", "--nodefault", "--nofirststartwizard",
                "--convert-to", filter, "--outdir", outDirectory, input,
            ]
        } else {
            arguments = [settings.pdftotext, "-enc", "UTF-8", input, outDirectory + "/in." + wanted.fileExtension]
        }
        let said = try isolated(arguments)
        guard let data = files.contents(atPath: produced), !data.isEmpty else {
            let detail = said.split(whereSeparator: \.isNewline).filter { !$0.contains("javaldx") }.joined(separator: " ")
            throw Failure(description: "no \(wanted.label) came out\(detail.isEmpty ? "" : ": " + String(detail.prefix(300)))")
        }
        return Output(bytes: Array(data), fileExtension: wanted.fileExtension, mediaType: wanted.mediaType, label: wanted.label)
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

    /// The netpbm decoder for an image type (transparency is laid on white).
    fileprivate static func imageDecoder(_ fileExtension: String) -> [String] {
        switch fileExtension {
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
