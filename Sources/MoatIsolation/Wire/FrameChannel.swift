import Dispatch
import Glibc
import Synchronization

/// Frame I/O on one end of a socket pair.
///
/// Reads block, on one dedicated thread per channel. Writes never block their caller: `post` sends
/// what the socket buffer takes at once (`MSG_DONTWAIT`) and hands any remainder to a serial queue,
/// behind which later frames wait their turn, so a task on the cooperative pool can post without a
/// thread hand-off in the common case and without ever blocking. Writes use `MSG_NOSIGNAL`: a dead
/// peer is an error return, not a SIGPIPE that would kill the daemon.
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
    /// Frames handed to the queue and not yet written; while any are, new frames queue behind them.
    private let queued = Mutex(0)
    private let writer: DispatchQueue

    init(descriptor: Int32, maxFrameBytes: Int) {
        self.descriptor = descriptor
        self.maxFrameBytes = maxFrameBytes
        self.writer = DispatchQueue(label: "moat.frames.\(descriptor)")
    }

    /// Sends one frame whole, in order with every other frame posted on this channel, without
    /// blocking. A failed write is not reported here: the reader sees the peer's end instead.
    func post(_ frame: WorkerFrame) {
        let bytes = frame.encoded()
        let remainder: ArraySlice<UInt8>? = queued.withLock { queued in
            if queued > 0 {
                queued += 1
                return bytes[...]
            }
            switch write(bytes[...], flags: Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) {
            case .complete, .failed: return nil
            case .partial(let offset):
                queued += 1
                return bytes[offset...]
            }
        }
        guard let remainder else { return }
        writer.async { [self] in
            _ = write(remainder, flags: Int32(MSG_NOSIGNAL))
            queued.withLock { $0 -= 1 }
        }
    }

    private enum WriteResult {
        case complete
        case partial(Int)
        case failed
    }

    /// Writes from `bytes`' start; with `MSG_DONTWAIT` stops where the socket buffer is full.
    private func write(_ bytes: ArraySlice<UInt8>, flags: Int32) -> WriteResult {
        bytes.withUnsafeBytes { raw -> WriteResult in
            guard let base = raw.baseAddress else { return .complete }
            var offset = 0
            while offset < raw.count {
                let written = Glibc.send(descriptor, base + offset, raw.count - offset, flags)
                if written < 0 {
                    if errno == EINTR { continue }
                    if errno == EAGAIN || errno == EWOULDBLOCK { return .partial(bytes.startIndex + offset) }
                    return .failed
                }
                offset += written
            }
            return .complete
        }
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
