import NIOCore
import Synchronization

/// The receiving end of a `PeerSocket`'s channel: keeps what the peer sent until the one reader
/// asks for it, and wakes that reader when bytes, the end of the stream or the deadline arrive.
///
/// It lives in the channel's pipeline (callbacks on the event loop) and is read from the scan's
/// task, so its state sits behind a lock. Past `highWater` unread bytes it pauses reading from the
/// socket, so a peer that floods never grows Moat's memory beyond what a read asked for.
final class PeerInbox: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer

    private struct State {
        var received: [UInt8] = []
        var ended = false
        var expired = false
        var paused = false
        var failure: String?
        var waiter: CheckedContinuation<[UInt8]?, Never>?

        /// The reader to wake and what to give it, once there is something to give.
        mutating func takeWaiter() -> (CheckedContinuation<[UInt8]?, Never>, [UInt8]?)? {
            guard let waiter, !received.isEmpty || ended else { return nil }
            self.waiter = nil
            defer { received = [] }
            return (waiter, received.isEmpty ? nil : received)
        }
    }

    private static let highWater = 256 * 1024
    private let state = Mutex(State())

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = Self.unwrapInboundIn(data)
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        let (wake, pause) = state.withLock { state in
            state.received += bytes
            let pause = !state.paused && state.received.count > Self.highWater
            if pause { state.paused = true }
            return (state.takeWaiter(), pause)
        }
        if pause { context.channel.setOption(ChannelOptions.autoRead, value: false).whenComplete { _ in } }
        wake.map { $0.0.resume(returning: $0.1) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        end()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        state.withLock { $0.failure = $0.failure ?? "\(error)" }
        context.close(promise: nil)
    }

    /// Called by the socket's deadline: the channel is being closed because time ran out.
    func expire() {
        state.withLock { $0.expired = true }
        end()
    }

    private func end() {
        let wake = state.withLock { state in
            state.ended = true
            return state.takeWaiter()
        }
        wake.map { $0.0.resume(returning: $0.1) }
    }

    /// Everything received since the last call, waiting while there is nothing; nil once the
    /// stream has ended (closed by the peer, by an error, by the deadline or by cancellation).
    func next(resuming channel: any Channel) async -> [UInt8]? {
        let wasPaused = state.withLock { state in
            defer { state.paused = false }
            return state.paused
        }
        if wasPaused { channel.setOption(ChannelOptions.autoRead, value: true).whenComplete { _ in } }
        return await withCheckedContinuation { (continuation: CheckedContinuation<[UInt8]?, Never>) in
            let ready = state.withLock { state -> [UInt8]?? in
                if !state.received.isEmpty {
                    defer { state.received = [] }
                    return .some(state.received)
                }
                if state.ended { return .some(nil) }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    var hasExpired: Bool { state.withLock { $0.expired } }
    var failure: String? { state.withLock { $0.failure } }
    /// Nothing unread and the stream still open: a kept-alive connection can carry another exchange.
    var isIdle: Bool { state.withLock { $0.received.isEmpty && !$0.ended } }
}
