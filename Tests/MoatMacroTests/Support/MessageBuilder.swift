import Foundation
import Logging
import MoatCore
import MoatMacro
import MoatMessage

/// Wraps attachments in a MIME message and runs the engine on it.
enum MessageBuilder {
    static func message(attaching files: [(name: String, type: String, bytes: [UInt8])]) -> Message {
        var raw = "From: a@example.org\r\nTo: b@example.org\r\nSubject: report\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n--outer\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n"
        for f in files {
            raw += "--outer\r\nContent-Type: \(f.type); name=\"\(f.name)\"\r\nContent-Disposition: attachment; filename=\"\(f.name)\"\r\n"
                + "Content-Transfer-Encoding: base64\r\n\r\n" + Data(f.bytes).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed]) + "\r\n"
        }
        raw += "--outer--\r\n"
        return Message(parsing: Array(raw.utf8))
    }

    static let pool = BlockingWorkPool(threads: 2)

    static let quietLogger: Logger = {
        var logger = Logger(label: "moat.macro.test")
        logger.logLevel = .warning
        return logger
    }()

    static func scan(_ engine: MacroEngine, _ message: Message) async throws -> EngineReport {
        try await engine.scan(ScanInput(message: message), context: ScanContext(blocking: pool, logger: quietLogger))
    }

    static func engine(_ mode: MacroSettings.Mode) -> MacroEngine {
        var settings = MacroSettings()
        settings.mode = mode
        return MacroEngine(settings: settings)
    }

    /// The document inside a replacement part (the attachment of a multipart/mixed, or the part itself).
    static func document(in replacement: PartReplacement) -> (name: String?, type: String, bytes: [UInt8])? {
        let wrapped = Array("MIME-Version: 1.0\r\n".utf8) + replacement.rawPart
        let message = Message(parsing: wrapped)
        guard let part = message.leaves.first(where: { $0.isAttachment && $0.disposition == "attachment" }) else { return nil }
        return (part.filename, part.contentType.essence, part.decoded)
    }
}
