import Logging
import MoatAdmin
import MoatOutbound
import MoatStore
import ServiceLifecycle

/// The store writer as a service: writes batches until shutdown, then flushes what is queued.
struct StoreWriterService: Service {
    let writer: StoreWriter

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            try await writer.run()
        }
    }
}

/// The supervisor as a service: on shutdown it finishes the decisions already handed to it.
struct SupervisorService: Service {
    let supervisor: EngineSupervisor

    func run() async throws {
        await withGracefulShutdownHandler {
            await supervisor.run()
        } onGracefulShutdown: {
            supervisor.finish()
        }
    }
}

/// Closes the store after every service that writes to it has stopped (it starts first, stops last).
struct StoreService: Service {
    let store: any ScanStore
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        do {
            try await store.close()
        } catch {
            logger.error("closing the store failed", metadata: ["error.message": "\(error)"])
        }
    }
}

/// Outbound protection's background work: saving senders' counters and releasing held mail that
/// fell due; on shutdown the counters are saved once more (held mail waits in the MTA's queue).
struct OutboundService: Service {
    let outbound: OutboundControl

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await outbound.run()
        }
    }
}
