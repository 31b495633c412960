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
        var listeners: [NIOAsyncChannel<NIOAsyncChannel<MilterCommand, MilterReply>, Never>] = []
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

    private func bind(_ address: ListenAddress) async throws -> NIOAsyncChannel<NIOAsyncChannel<MilterCommand, MilterReply>, Never> {
        let maxFrame = settings.maxFrameBytes
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.so_keepalive), value: 1)
        let initializer: @Sendable (any Channel) -> EventLoopFuture<NIOAsyncChannel<MilterCommand, MilterReply>> = { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(MilterCommandDecoder(maximumFrameLength: maxFrame)))
                try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(MilterReplyEncoder()))
                return try NIOAsyncChannel<MilterCommand, MilterReply>(wrappingChannelSynchronously: channel)
            }
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

    private func serve(_ connection: NIOAsyncChannel<MilterCommand, MilterReply>) async {
        let remote = connection.channel.remoteAddress.map { "\($0)" } ?? "unknown"
        var connectionLogger = logger
        connectionLogger[metadataKey: "milter.peer"] = "\(remote)"
        guard let id = tracker.open(connection.channel) else {
            connectionLogger.warning("connection refused: limit reached or shutting down", metadata: ["milter.connections": "\(tracker.count)"])
            try? await connection.channel.close()
            return
        }
        defer { tracker.close(id) }
        let session = MilterConnection(
            settings: settings, limits: limits, pipeline: pipeline, logger: connectionLogger, tracker: tracker, trackerID: id,
            budget: budget
        )
        do {
            try await session.run(connection)
        } catch {
            connectionLogger.notice("milter connection closed on error", metadata: ["error.message": "\(error)"])
        }
    }
}

/// The addresses bound so far, readable from other tasks (tests use it to find an ephemeral port).
actor BoundAddresses {
    private var addresses: [String] = []
    func append(_ address: String) { addresses.append(address) }
    func values() -> [String] { addresses }
}
