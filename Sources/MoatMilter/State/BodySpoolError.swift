/// Why a message body could not be kept or read back.
///
/// Fatal for the message (the MTA applies its default action), never for the daemon.
public enum BodySpoolError: Error, Hashable, Sendable {
    /// No private spool file could be created in `directory` (`errno` from `open`).
    case cannotCreateFile(directory: String, errno: Int32)
    /// Writing the spool file failed, e.g. the disk is full.
    case writeFailed(path: String, errno: Int32)
    /// Reading the spool file back failed.
    case readFailed(path: String, errno: Int32)
    /// The body was already released (the message ended or was aborted).
    case discarded
}
