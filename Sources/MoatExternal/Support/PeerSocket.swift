import MoatCore
import NIOCore
import NIOPosix

/// One connection to a peer on SwiftNIO's event loops, with a deadline on every exchange.
///
/// No thread waits on the peer: a scan's task suspends while the event loop collects the answer
/// (`PeerInbox`), so a hung ICAP server or clamd holds no thread of any pool, and the blocking pool
/// stays for C and CPU work. The deadline is a task on the event loop that closes the channel when
/// it passes; whatever operation is waiting then fails with `ExternalError.timedOut`. Cancelling
/// the scan (the MTA aborted the message) closes the channel too. Reads go through a read-ahead
/// buffer so protocol code can ask for "up to CRLF CRLF" or "exactly n bytes".
///
/// `@unchecked Sendable`: a socket is owned by one scan at a time (taken from and returned to a
/// `ConnectionPool` under its lock) and never used by two tasks at once; what the event loop
/// touches lives in the `PeerInbox`, behind its lock.
final class PeerSocket: @unchecked Sendable {
    let endpoint: PeerEndpoint
    private let channel: any Channel
    private let inbox: PeerInbox
    private var buffer: [UInt8] = []
    private var bufferStart = 0
    private var watchdog: Scheduled<Void>?
    /// The timeout the deadline came from, for the error message.
    private var timeoutMilliseconds = 0

    private init(endpoint: PeerEndpoint, channel: any Channel, inbox: PeerInbox) {
        self.endpoint = endpoint
        self.channel = channel
        self.inbox = inbox
    }

    deinit {
        watchdog?.cancel()
        channel.close(promise: nil)
    }

    /// Connects within `timeout`; what is left of it then bounds the exchange (see `restartClock`).
    static func connect(to endpoint: PeerEndpoint, timeout: Duration) async throws(ExternalError) -> PeerSocket {
        let deadline = ContinuousClock.now + timeout
        let inbox = PeerInbox()
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(TimeAmount(timeout))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(inbox) }
            }
        let channel: any Channel
        do {
            switch endpoint {
            case .unix(let path): channel = try await bootstrap.connect(unixDomainSocketPath: path).get()
            case .tcp(let host, let port): channel = try await bootstrap.connect(host: host, port: port).get()
            }
        } catch {
            if case ChannelError.connectTimeout = error { throw .timedOut(peer: endpoint.description, milliseconds: timeout.wholeMilliseconds) }
            throw .connect(peer: endpoint.description, reason: "\(error)")
        }
        let socket = PeerSocket(endpoint: endpoint, channel: channel, inbox: inbox)
        socket.startClock(remaining: deadline - .now, timeout: timeout)
        return socket
    }

    /// Starts a new exchange on a kept-alive connection: the deadline is `timeout` from now.
    func restartClock(timeout: Duration) {
        startClock(remaining: timeout, timeout: timeout)
    }

    /// Stops the deadline while the connection waits idle in its pool.
    func stopClock() {
        watchdog?.cancel()
        watchdog = nil
    }

    private func startClock(remaining: Duration, timeout: Duration) {
        watchdog?.cancel()
        timeoutMilliseconds = timeout.wholeMilliseconds
        let (channel, inbox) = (self.channel, self.inbox)
        watchdog = channel.eventLoop.scheduleTask(in: TimeAmount(max(remaining, .zero))) {
            inbox.expire()
            channel.close(promise: nil)
        }
    }

    func write(_ bytes: [UInt8]) async throws(ExternalError) {
        let channel = self.channel
        do {
            try await withTaskCancellationHandler {
                try await channel.writeAndFlush(ByteBuffer(bytes: bytes)).get()
            } onCancel: {
                channel.close(promise: nil)
            }
        } catch {
            throw failure("send", "\(error)")
        }
    }

    /// Why the connection ended: the deadline, the scan's cancellation, or the peer.
    private func failure(_ operation: String, _ reason: String) -> ExternalError {
        if inbox.hasExpired { return .timedOut(peer: endpoint.description, milliseconds: timeoutMilliseconds) }
        if Task.isCancelled { return .io(peer: endpoint.description, reason: "\(operation): the scan was cancelled") }
        return .io(peer: endpoint.description, reason: "\(operation): \(reason)")
    }

    /// Reads more bytes into the buffer; returns false at end of stream.
    private func fill() async throws(ExternalError) -> Bool {
        let (channel, inbox) = (self.channel, self.inbox)
        let chunk = await withTaskCancellationHandler {
            await inbox.next(resuming: channel)
        } onCancel: {
            channel.close(promise: nil)
        }
        guard let chunk else {
            if inbox.hasExpired || Task.isCancelled { throw failure("receive", "") }
            if let error = inbox.failure { throw failure("receive", error) }
            return false
        }
        if bufferStart > 0 && bufferStart >= buffer.count / 2 {
            buffer.removeFirst(bufferStart)
            bufferStart = 0
        }
        buffer += chunk
        return true
    }

    private var available: Int { buffer.count - bufferStart }

    /// Bytes up to and including `delimiter`; at most `limit` bytes, else a protocol violation.
    func read(through delimiter: [UInt8], limit: Int) async throws(ExternalError) -> [UInt8] {
        var searchFrom = bufferStart
        while true {
            if let end = Self.find(delimiter, in: buffer, from: searchFrom) {
                let result = Array(buffer[bufferStart..<end + delimiter.count])
                bufferStart = end + delimiter.count
                return result
            }
            guard available <= limit else {
                throw .protocolViolation(peer: endpoint.description, reason: "no \(Self.printable(delimiter)) within \(limit) bytes")
            }
            searchFrom = max(bufferStart, buffer.count - delimiter.count + 1)
            let before = bufferStart
            guard try await fill() else {
                throw available == 0
                    ? .io(peer: endpoint.description, reason: "connection closed before a reply")
                    : .protocolViolation(peer: endpoint.description, reason: "connection closed in the middle of a reply")
            }
            searchFrom -= before - bufferStart
        }
    }

    /// Exactly `count` bytes.
    func read(exactly count: Int) async throws(ExternalError) -> [UInt8] {
        guard count >= 0 else { throw .protocolViolation(peer: endpoint.description, reason: "a length of \(count) bytes") }
        while available < count {
            guard try await fill() else {
                throw .protocolViolation(peer: endpoint.description, reason: "connection closed \(count - available) bytes short")
            }
        }
        let result = Array(buffer[bufferStart..<bufferStart + count])
        bufferStart += count
        return result
    }

    /// Everything until the peer closes, at most `limit` bytes.
    func readToEnd(limit: Int) async throws(ExternalError) -> [UInt8] {
        while try await fill() {
            guard available <= limit else {
                throw .protocolViolation(peer: endpoint.description, reason: "reply longer than \(limit) bytes")
            }
        }
        let result = Array(buffer[bufferStart...])
        bufferStart = buffer.count
        return result
    }

    /// Whether a kept-alive connection still looks usable: nothing unread and the peer has not closed it.
    var isReusable: Bool {
        available == 0 && channel.isActive && inbox.isIdle
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count else { return nil }
        var index = max(0, start)
        let last = haystack.count - needle.count
        while index <= last {
            if haystack[index] == needle[0] {
                var match = true
                for offset in 1..<needle.count where haystack[index + offset] != needle[offset] {
                    match = false
                    break
                }
                if match { return index }
            }
            index += 1
        }
        return nil
    }

    private static func printable(_ bytes: [UInt8]) -> String {
        bytes.map { byte in
            switch byte {
            case 13: "\\r"
            case 10: "\\n"
            default: String(UnicodeScalar(byte))
            }
        }.joined()
    }
}
