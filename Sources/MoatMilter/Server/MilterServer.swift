import Foundation
import Logging
import MoatCore
import MoatMessage
import NIOCore
import NIOPosix
import ServiceLifecycle

/// The milter listener: accepts MTA connections on TCP and Unix sockets and serves each one.
///
/// A `Service` for the daemon's `ServiceGroup`. Every connection runs in its own child task with its
/// own error handling, so one bad peer never takes the listener down. On graceful shutdown it stops
/// accepting, closes idle connections, lets messages in flight finish, then returns.
public struct MilterServer: Service {
    public let settings: MilterSettings
    public let limits: MessageLimits
    public let pipeline: ScanPipeline
    public let logger: Logger
    private let group: any EventLoopGroup
    private let tracker: ConnectionTracker
    private let bound: BoundAddresses
    private let budget: ScanBudget

    public init(settings: MilterSettings, limits: MessageLimits, pipeline: ScanPipeline, logger: Logger,
                group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.settings = settings
        self.limits = limits
        self.pipeline = pipeline
        self.logger = logger
        self.group = group
        self.tracker = ConnectionTracker(limit: settings.maxConnections)
        self.bound = BoundAddresses()
        self.budget = ScanBudget(capacity: settings.maxScanBytesInFlight)
    }

    /// The addresses actually bound (after `run` started); a port of 0 in the settings shows the real port.
    public var boundAddresses: [String] { get async { await bound.values() } }

    public func run() async throws {
        let addresses = try settings.listen.map(ListenAddress.init(parsing:))
        try FileManager.default.createDirectory(
            atPath: settings.spoolDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700]
        )
        var listeners: [NIOAsyncChannel<AcceptedConnection, Never>] = []
        for address in addresses {
            let listener = try await bind(address)
            listeners.append(listener)
            let shown = listener.channel.localAddress.map { "\($0)" } ?? address.description
            await bound.append(shown)
            logger.info("milter listening", metadata: ["milter.address": "\(address)", "milter.bound": "\(shown)"])
        }
        let serverChannels = listeners.map(\.channel)
        let tracker = self.tracker
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                for listener in listeners {
                    group.addTask {
                        try await listener.executeThenClose { connections in
                            try await withThrowingDiscardingTaskGroup { connectionGroup in
                                for try await connection in connections {
                                    connectionGroup.addTask { await self.serve(connection) }
                                }
                            }
                        }
                    }
                }
            }
        } onGracefulShutdown: {
            for channel in serverChannels { channel.close(promise: nil) }
            tracker.drain()
        }
        for address in addresses {
            if case .unix(let path) = address { unlink(path) }
        }
        logger.info("milter server stopped")
    }

    private func bind(_ address: ListenAddress) async throws -> NIOAsyncChannel<AcceptedConnection, Never> {
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.so_keepalive), value: 1)
        let initializer: @Sendable (any Channel) -> EventLoopFuture<AcceptedConnection> = { channel in
            channel.eventLoop.makeSucceededFuture(self.accept(channel))
        }
        switch address {
        case .inet(let host, let port):
            return try await bootstrap.bind(host: host, port: port, childChannelInitializer: initializer)
        case .unix(let path):
            let listener = try await bootstrap.bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true, childChannelInitializer: initializer)
            chmod(path, 0o660)
            return listener
        }
    }

    /// Registers a new connection and sets up its protocol handlers, on its event loop; one over
    /// the connection limit (or arriving while the server drains) is closed at once.
    private func accept(_ channel: any Channel) -> AcceptedConnection {
        let remote = channel.remoteAddress.map { "\($0)" } ?? "unknown"
        var connectionLogger = logger
        connectionLogger[metadataKey: "milter.peer"] = "\(remote)"
        let refused = AcceptedConnection(channel: channel, trackerID: nil, handle: nil)
        let handlers = channel.pipeline.syncOperations
        do {
            try handlers.addHandler(ByteToMessageHandler(MilterCommandDecoder(maximumFrameLength: settings.maxFrameBytes)))
            try handlers.addHandler(MessageToByteHandler(MilterReplyEncoder()))
        } catch {
            // A failed initializer is dropped by NIO with its socket still open: close it here.
            connectionLogger.error("cannot set up a milter connection", metadata: ["error.message": "\(error)"])
            channel.close(promise: nil)
            return refused
        }
        guard let id = tracker.open(channel) else {
            connectionLogger.warning("connection refused: limit reached or shutting down", metadata: ["milter.connections": "\(tracker.count)"])
            channel.close(promise: nil)
            return refused
        }
        let connection = MilterConnection(
            settings: settings, limits: limits, pipeline: pipeline, logger: connectionLogger, tracker: tracker, trackerID: id,
            budget: budget
        )
        let session = MilterSessionHandler(connection: connection)
        do {
            try handlers.addHandler(session)
        } catch {
            connectionLogger.error("cannot set up a milter connection", metadata: ["error.message": "\(error)"])
            tracker.close(id)
            channel.close(promise: nil)
            return refused
        }
        return AcceptedConnection(channel: channel, trackerID: id, handle: session.handle)
    }

    /// Waits until the connection has closed and a scan it left running has ended, so a graceful
    /// shutdown does not stop the engines under it.
    private func serve(_ connection: AcceptedConnection) async {
        guard let id = connection.trackerID else { return }
        defer { tracker.close(id) }
        try? await connection.channel.closeFuture.get()
        await connection.handle?.waitForScan()
    }
}

/// A connection the listener accepted: its channel, its place in the tracker (nil: refused) and
/// what to wait for once it closes.
struct AcceptedConnection: Sendable {
    let channel: any Channel
    let trackerID: Int?
    let handle: MilterSessionHandler.Handle?
}

/// The addresses bound so far, readable from other tasks (tests use it to find an ephemeral port).
actor BoundAddresses {
    private var addresses: [String] = []
    func append(_ address: String) { addresses.append(address) }
    func values() -> [String] { addresses }
}
