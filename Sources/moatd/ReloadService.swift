import Logging
import MoatAdapters
import MoatCore
import ServiceLifecycle
import UnixSignals

/// Reloads engine manifests and policy on SIGHUP, swapping the registry without touching connections.
struct ReloadService: Service {
    let runtime: ScanRuntime
    let configPath: String?
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            logger.info("SIGHUP: reloading engines and policy")
            var policy: Policy?
            do {
                policy = try MoatConfiguration.load(path: configPath).policy
            } catch {
                logger.error("policy reload failed, keeping the running policy", metadata: ["error": "\(error)"])
            }
            await runtime.reload(policy: policy)
        }
    }
}
