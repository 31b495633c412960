import Foundation
import Logging
import MailTestSupport
import MoatCore
import MoatMacro
import MoatMessage

/// Wraps attachments in a MIME message and runs the engine on it.
enum MessageBuilder {
    static func message(attaching files: [(name: String, type: String, bytes: [UInt8])]) -> Message {
        Message(parsing: TestMessage.withAttachments(files.map { .attachment($0.name, type: $0.type, bytes: $0.bytes) }))
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
