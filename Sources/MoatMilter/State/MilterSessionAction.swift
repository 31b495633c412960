import NIOCore

/// What the connection handler must do after the state machine took a command.
public indirect enum MilterSessionAction: Sendable {
    /// Nothing to send (macros, ABORT, events whose reply was negotiated away).
    case none
    /// Send these replies, in order.
    case reply([MilterReply])
    /// End of message: scan it asynchronously, then call
    /// ``MilterSessionStateMachine/scanFinished(_:)`` and send what it returns.
    case scan(CollectedMessage)
    /// The message being scanned was aborted: cancel the scan; its result will be ignored.
    case cancelScan
    /// The MTA said QUIT: close the connection.
    case close
    /// Append these body bytes to the spool file (blocking file I/O, so the handler does it on
    /// the blocking pool, never on the cooperative pool), then do `then`. A failed write ends the
    /// connection, as a protocol error does.
    case spool(BodySpool, ByteBuffer, then: MilterSessionAction)
}
