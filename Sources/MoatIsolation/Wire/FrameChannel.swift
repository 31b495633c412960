import Dispatch
import Glibc
import MoatWire
import Synchronization

/// Frame I/O on one end of a socket pair.
///
/// Reads block, on one dedicated thread per channel, and take whatever the socket holds at once
/// (up to `readChunk`), so frames that arrive together cost one read. Writes never block their
/// caller: `post` sends what the socket buffer takes at once (`MSG_DONTWAIT`) and hands any
/// remainder to a serial queue, behind which later frames wait their turn, so a task on the
/// cooperative pool can post without a thread hand-off in the common case and without ever
/// blocking. Writes use `MSG_NOSIGNAL`: a dead peer is an error return, not a SIGPIPE that would
/// kill the daemon.
///
/// A frame the peer need not see at once (an engine's start or verdict in the middle of a scan)
/// can be posted `deferred`: it waits, at most `deferredDelay`, to go out with the next frame
/// posted at once (the scan's end). Every frame the peer reads wakes one of its threads; holding
/// the progress frames back made the daemon's reader wake once a scan instead of nine times.
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
    /// Longest a deferred frame waits for a frame posted at once before it is sent on its own.
    let deferredDelay: Duration
    /// Bytes one read asks for; a larger frame's payload is read straight into its own buffer.
    static let readChunk = 64 << 10

    private struct Outgoing {
        /// Frames handed to the queue and not yet written; while any are, new frames queue behind them.
        var queued = 0
        /// Deferred frames not yet sent, encoded back to back.
        var held: [UInt8] = []
        /// Whether a flush of `held` is scheduled on the writer queue.
        var flushScheduled = false
        /// The descriptor is closed (or about to be, on the writer queue): nothing may use it,
        /// since its number can already belong to another file.
        var released = false
    }

    private struct Incoming {
        /// Allocated once, `readChunk` bytes; unread bytes are `buffer[start..<end]`.
        var buffer: [UInt8] = []
        var start = 0
        var end = 0
    }

    private let outgoing = Mutex(Outgoing())
    /// Only the reading thread touches it; the lock is never contended.
    private let incoming = Mutex(Incoming())
    private let writer: DispatchQueue

    init(descriptor: Int32, maxFrameBytes: Int, deferredDelay: Duration = .milliseconds(20)) {
        self.descriptor = descriptor
        self.maxFrameBytes = maxFrameBytes
        self.deferredDelay = deferredDelay
        self.writer = DispatchQueue(label: "moat.frames.\(descriptor)")
    }

    /// Sends one frame whole, in order with every other frame posted on this channel, without
    /// blocking. A failed write is not reported here: the reader sees the peer's end instead.
    /// A `deferred` frame is held (see the type's notes) and lost if this process dies first.
    func post(_ frame: WorkerFrame, deferred: Bool = false) {
        let bytes = frame.encoded()
        guard deferred, deferredDelay > .zero else {
            send(bytes)
            return
        }
        let schedule = outgoing.withLock { outgoing in
            outgoing.held.append(contentsOf: bytes)
            defer { outgoing.flushScheduled = true }
            return !outgoing.flushScheduled
        }
        if schedule {
            let delay = DispatchTimeInterval.nanoseconds(Int(clamping: deferredDelay.wholeNanoseconds))
            writer.asyncAfter(deadline: .now() + delay) { [self] in send(nil) }
        }
    }

    /// Writes the held frames, then `bytes`, as one piece.
    private func send(_ bytes: [UInt8]?) {
        let remainder: ArraySlice<UInt8>? = outgoing.withLock { outgoing in
            // The scheduled flush: the next deferred frame schedules another, whether or not
            // a frame sent at once has taken the held ones since.
            if bytes == nil { outgoing.flushScheduled = false }
            guard !outgoing.released else {
                outgoing.held = []
                return nil
            }
            var all: [UInt8]
            if outgoing.held.isEmpty {
                guard let bytes else { return nil }
                all = bytes
            } else {
                all = outgoing.held
                outgoing.held = []
                if let bytes { all.append(contentsOf: bytes) }
            }
            if outgoing.queued > 0 {
                outgoing.queued += 1
                return all[...]
            }
            switch write(all[...], flags: Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) {
            case .complete, .failed: return nil
            case .partial(let offset):
                outgoing.queued += 1
                return all[offset...]
            }
        }
        guard let remainder else { return }
        writer.async { [self] in
            _ = write(remainder, flags: Int32(MSG_NOSIGNAL))
            outgoing.withLock { $0.queued -= 1 }
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
        try incoming.withLock { (incoming: inout Incoming) throws(ChannelError) -> WorkerFrame in
            try fill(&incoming, to: 5, allowCleanEnd: true)
            let head = incoming.start
            // The head is consumed whatever it says, as a read of five bytes would.
            incoming.start += 5
            let length = Int(incoming.buffer[head]) << 24 | Int(incoming.buffer[head + 1]) << 16
                | Int(incoming.buffer[head + 2]) << 8 | Int(incoming.buffer[head + 3])
            guard length >= 1 else { throw .io("frame", EPROTO) }
            guard length - 1 <= maxFrameBytes else { throw .tooLarge(length - 1, limit: maxFrameBytes) }
            guard let kind = WorkerFrame.Kind(rawValue: incoming.buffer[head + 4]) else { throw .unknownKind(incoming.buffer[head + 4]) }
            let size = length - 1
            if size <= Self.readChunk {
                try fill(&incoming, to: size, allowCleanEnd: false)
                let payload = Array(incoming.buffer[incoming.start..<(incoming.start + size)])
                incoming.start += size
                return WorkerFrame(kind: kind, payload: payload)
            }
            // A large frame (a message): what is buffered, then the rest read in place.
            let buffered = incoming.end - incoming.start
            var payload = [UInt8](repeating: 0, count: size)
            payload.replaceSubrange(0..<buffered, with: incoming.buffer[incoming.start..<incoming.end])
            incoming.start = 0
            incoming.end = 0
            try readExactly(&payload, from: buffered)
            return WorkerFrame(kind: kind, payload: payload)
        }
    }

    /// Closes this end; the peer's next read sees the end of the stream.
    func close() {
        outgoing.withLock { outgoing in
            guard !outgoing.released else { return }
            _ = Glibc.shutdown(descriptor, Int32(SHUT_RDWR))
        }
    }

    /// Closes the descriptor, once the reader is done with it: after the writes already queued,
    /// and with every later post, flush and `close` dropped. Closing it outright let a write still
    /// queued (or a cancel posted a moment later) reach whatever file next got the same number.
    func releaseDescriptor() {
        outgoing.withLock { outgoing in
            outgoing.released = true
            outgoing.held = []
        }
        writer.async { [descriptor] in _ = Glibc.close(descriptor) }
    }

    /// Reads until at least `count` (at most `readChunk`) unread bytes are buffered, taking
    /// whatever else has arrived that fits.
    private func fill(_ incoming: inout Incoming, to count: Int, allowCleanEnd: Bool) throws(ChannelError) {
        guard incoming.end - incoming.start < count else { return }
        if incoming.buffer.isEmpty { incoming.buffer = [UInt8](repeating: 0, count: Self.readChunk) }
        if incoming.start == incoming.end {
            incoming.start = 0
            incoming.end = 0
        } else if incoming.start + count > incoming.buffer.count {
            // Move the unread tail to the front, then read behind it.
            let (start, unread) = (incoming.start, incoming.end - incoming.start)
            incoming.buffer.withUnsafeMutableBytes { raw in
                guard let base = raw.baseAddress else { return }
                memmove(base, base + start, unread)
            }
            incoming.start = 0
            incoming.end = unread
        }
        let start = incoming.start
        var end = incoming.end
        let failure: ChannelError? = incoming.buffer.withUnsafeMutableBytes { raw in
            read(into: raw, end: &end, atLeast: start + count, cleanEndAt: allowCleanEnd ? start : nil)
        }
        incoming.end = end
        if let failure { throw failure }
    }

    private func readExactly(_ buffer: inout [UInt8], from start: Int) throws(ChannelError) {
        var end = start
        let total = buffer.count
        let failure: ChannelError? = buffer.withUnsafeMutableBytes { raw in
            read(into: raw, end: &end, atLeast: total, cleanEndAt: nil)
        }
        if let failure { throw failure }
    }

    /// Reads into `raw` behind `end` until `end` reaches `minimum`, taking whatever more has
    /// arrived that fits. The end of the stream is `.closed` when nothing was read past
    /// `cleanEndAt` (a frame boundary), an error anywhere else.
    private func read(into raw: UnsafeMutableRawBufferPointer, end: inout Int, atLeast minimum: Int, cleanEndAt: Int?) -> ChannelError? {
        guard let base = raw.baseAddress else { return minimum <= end ? nil : .io("read", EFAULT) }
        while end < minimum {
            let got = Glibc.read(descriptor, base + end, raw.count - end)
            if got < 0 {
                if errno == EINTR { continue }
                return .io("read", errno)
            }
            if got == 0 { return end == cleanEndAt ? .closed : .io("read", EPIPE) }
            end += got
        }
        return nil
    }
}
