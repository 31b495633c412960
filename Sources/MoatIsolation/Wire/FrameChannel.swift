import Glibc
import Synchronization

/// Blocking frame I/O on one end of a socket pair.
///
/// Reads happen on one dedicated thread per channel and writes are serialised by a lock, so
/// neither ever runs on Swift's cooperative pool. Writes use `MSG_NOSIGNAL`: a dead peer is an
/// error return, not a SIGPIPE that would kill the daemon.
final class FrameChannel: Sendable {
    enum ChannelError: Error, CustomStringConvertible {
        case closed
        case tooLarge(Int, limit: Int)
        case io(String, Int32)
        case unknownKind(UInt8)

        var description: String {
            switch self {
            case .closed: "peer closed the channel"
            case .tooLarge(let length, let limit): "frame of \(length) bytes exceeds the limit of \(limit)"
            case .io(let call, let code): "\(call) failed: \(String(cString: strerror(code)))"
            case .unknownKind(let kind): "unknown frame kind \(kind)"
            }
        }
    }

    let descriptor: Int32
    /// Largest frame accepted; bounds what a confused peer can make this side allocate.
    let maxFrameBytes: Int
    private let writeLock = Mutex(())

    init(descriptor: Int32, maxFrameBytes: Int) {
        self.descriptor = descriptor
        self.maxFrameBytes = maxFrameBytes
    }

    /// Sends one frame whole; frames from several threads never interleave.
    func send(_ frame: WorkerFrame) throws(ChannelError) {
        let bytes = frame.encoded()
        let result: ChannelError? = writeLock.withLock { _ in
            bytes.withUnsafeBytes { raw -> ChannelError? in
                var offset = 0
                while offset < raw.count {
                    let written = Glibc.send(descriptor, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                    if written < 0 {
                        if errno == EINTR { continue }
                        return .io("send", errno)
                    }
                    offset += written
                }
                return nil
            }
        }
        if let result { throw result }
    }

    /// The next frame; blocks. Throws `.closed` at a clean end of stream.
    func receive() throws(ChannelError) -> WorkerFrame {
        var head = [UInt8](repeating: 0, count: 5)
        try readExactly(&head, allowCleanEnd: true)
        let length = Int(head[0]) << 24 | Int(head[1]) << 16 | Int(head[2]) << 8 | Int(head[3])
        guard length >= 1 else { throw .io("frame", EPROTO) }
        guard length - 1 <= maxFrameBytes else { throw .tooLarge(length - 1, limit: maxFrameBytes) }
        guard let kind = WorkerFrame.Kind(rawValue: head[4]) else { throw .unknownKind(head[4]) }
        var payload = [UInt8](repeating: 0, count: length - 1)
        try readExactly(&payload, allowCleanEnd: false)
        return WorkerFrame(kind: kind, payload: payload)
    }

    /// Closes this end; the peer's next read sees the end of the stream.
    func close() {
        _ = Glibc.shutdown(descriptor, Int32(SHUT_RDWR))
    }

    private func readExactly(_ buffer: inout [UInt8], allowCleanEnd: Bool) throws(ChannelError) {
        var offset = 0
        let total = buffer.count
        let failure: ChannelError? = buffer.withUnsafeMutableBytes { raw -> ChannelError? in
            while offset < total {
                let count = Glibc.read(descriptor, raw.baseAddress! + offset, total - offset)
                if count < 0 {
                    if errno == EINTR { continue }
                    return .io("read", errno)
                }
                if count == 0 { return offset == 0 && allowCleanEnd ? .closed : .io("read", EPIPE) }
                offset += count
            }
            return nil
        }
        if let failure { throw failure }
    }
}
