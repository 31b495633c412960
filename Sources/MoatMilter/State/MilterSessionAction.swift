/// What the connection handler must do after the state machine took a command.
public enum MilterSessionAction: Sendable {
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
}
