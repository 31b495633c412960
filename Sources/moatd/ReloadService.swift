import Logging
import MoatCore
import ServiceLifecycle
import UnixSignals

/// Reloads engine manifests and policy on SIGHUP, swapping the registry without touching connections.
struct ReloadService: Service {
    let reload: @Sendable () async -> [ConfigurationError]
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            logger.info("SIGHUP: reloading engines and policy")
            _ = await reload()
        }
    }
}
