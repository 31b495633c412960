/// `[isolation]` in `moat.toml`: where engines run, and what a crashing or hanging engine costs.
///
/// In `process` mode `moatd` scans in supervised worker processes (`moatd --worker`), so a fault in
/// libclamav, libarchive, zbar or an engine's own code kills a worker, not the daemon that holds the
/// milter connections, the admin API and the store.
public struct IsolationSettings: Sendable, Hashable, Codable {
    /// Where the daemon runs engines.
    public enum Mode: String, Sendable, Hashable, Codable {
        /// Supervised worker processes (the default for `moatd`).
        case process
        /// Inside `moatd` itself: faster to start, but one crash stops the daemon.
        case inProcess = "in_process"
    }

    public var mode: Mode
    /// Worker processes scanning at once; each loads every engine not in `dedicated` (0: half the
    /// cores, at least one — each worker already uses every core through its own thread pools, so
    /// more processes buy resilience, not speed, and on two cores a third process costs throughput).
    public var workers: Int
    /// Engines (by manifest name) that run in a pool of their own, with that many workers, so a
    /// memory-heavy engine (ClamAV's compiled database: about 1 GiB with the official signatures)
    /// is loaded once, not once per worker.
    public var dedicated: [String: Int]
    /// Scans one worker runs at the same time; more wait for a free worker.
    public var maxScansPerWorker: Int
    /// Wall-clock limit for one message in a worker, after which the worker is killed (0: the longest
    /// engine timeout plus `hard_timeout_grace_ms`).
    public var scanHardTimeoutMilliseconds: Int
    /// Added to the longest engine timeout when `scan_hard_timeout_ms` is 0.
    public var hardTimeoutGraceMilliseconds: Int
    /// Address-space limit per worker (`RLIMIT_AS`), in MiB (0: none). Exceeding it kills the worker.
    public var memoryLimitMegabytes: Int
    /// Resident size above which a worker is replaced once its scans finish, in MiB (0: never).
    public var maxResidentMegabytes: Int
    /// How long an engine may go on after its deadline (a C call that cannot be interrupted) before its
    /// worker asks to be replaced, so runaway threads never fill the blocking pool.
    public var runawayGraceMilliseconds: Int
    /// First delay before restarting a worker that died; doubles while workers keep dying.
    public var restartBackoffMilliseconds: Int
    /// Longest restart delay.
    public var maxRestartBackoffMilliseconds: Int
    /// Action for the delivery attempt in which a message is found to kill workers twice.
    public var onEngineCrash: Action
    /// Action for a message already known as poison (its content killed workers twice before): it is
    /// not scanned by the crashing engine again, so one message cannot block a queue by tempfailing forever.
    public var poisonAction: Action
    /// SMTP reply for the poison action when it rejects or tempfails (`{engine}` is replaced).
    public var poisonReply: String
    /// Poison message hashes remembered (oldest forgotten first).
    public var poisonEntries: Int

    public init(
        mode: Mode = .process, workers: Int = 0, dedicated: [String: Int] = ["clamav": 1], maxScansPerWorker: Int = 8, scanHardTimeoutMilliseconds: Int = 0,
        hardTimeoutGraceMilliseconds: Int = 5_000, memoryLimitMegabytes: Int = 0, maxResidentMegabytes: Int = 4_096,
        runawayGraceMilliseconds: Int = 5_000, restartBackoffMilliseconds: Int = 100, maxRestartBackoffMilliseconds: Int = 10_000,
        onEngineCrash: Action = .tempfail, poisonAction: Action = .reject,
        poisonReply: String = "554 5.7.0 Message content crashed the {engine} scanner twice; it will not be accepted",
        poisonEntries: Int = 10_000
    ) {
        self.mode = mode
        self.workers = workers
        self.dedicated = dedicated
        self.maxScansPerWorker = maxScansPerWorker
        self.scanHardTimeoutMilliseconds = scanHardTimeoutMilliseconds
        self.hardTimeoutGraceMilliseconds = hardTimeoutGraceMilliseconds
        self.memoryLimitMegabytes = memoryLimitMegabytes
        self.maxResidentMegabytes = maxResidentMegabytes
        self.runawayGraceMilliseconds = runawayGraceMilliseconds
        self.restartBackoffMilliseconds = restartBackoffMilliseconds
        self.maxRestartBackoffMilliseconds = maxRestartBackoffMilliseconds
        self.onEngineCrash = onEngineCrash
        self.poisonAction = poisonAction
        self.poisonReply = poisonReply
        self.poisonEntries = poisonEntries
    }

    enum CodingKeys: String, CodingKey {
        case mode, workers, dedicated
        case maxScansPerWorker = "max_scans_per_worker"
        case scanHardTimeoutMilliseconds = "scan_hard_timeout_ms"
        case hardTimeoutGraceMilliseconds = "hard_timeout_grace_ms"
        case memoryLimitMegabytes = "memory_limit_mb"
        case maxResidentMegabytes = "max_resident_mb"
        case runawayGraceMilliseconds = "runaway_grace_ms"
        case restartBackoffMilliseconds = "restart_backoff_ms"
        case maxRestartBackoffMilliseconds = "max_restart_backoff_ms"
        case onEngineCrash = "on_engine_crash"
        case poisonAction = "poison_action"
        case poisonReply = "poison_reply"
        case poisonEntries = "poison_entries"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = IsolationSettings()
        mode = try c.decodeIfPresent(Mode.self, forKey: .mode) ?? d.mode
        workers = try c.decodeIfPresent(Int.self, forKey: .workers) ?? d.workers
        dedicated = try c.decodeIfPresent([String: Int].self, forKey: .dedicated) ?? d.dedicated
        for (engine, count) in dedicated where count < 1 {
            throw DecodingError.dataCorruptedError(forKey: .dedicated, in: c, debugDescription: "'\(engine) = \(count)': a dedicated pool needs at least 1 worker")
        }
        maxScansPerWorker = try c.decodeIfPresent(Int.self, forKey: .maxScansPerWorker) ?? d.maxScansPerWorker
        scanHardTimeoutMilliseconds = try c.decodeIfPresent(Int.self, forKey: .scanHardTimeoutMilliseconds) ?? d.scanHardTimeoutMilliseconds
        hardTimeoutGraceMilliseconds = try c.decodeIfPresent(Int.self, forKey: .hardTimeoutGraceMilliseconds) ?? d.hardTimeoutGraceMilliseconds
        memoryLimitMegabytes = try c.decodeIfPresent(Int.self, forKey: .memoryLimitMegabytes) ?? d.memoryLimitMegabytes
        maxResidentMegabytes = try c.decodeIfPresent(Int.self, forKey: .maxResidentMegabytes) ?? d.maxResidentMegabytes
        runawayGraceMilliseconds = try c.decodeIfPresent(Int.self, forKey: .runawayGraceMilliseconds) ?? d.runawayGraceMilliseconds
        restartBackoffMilliseconds = try c.decodeIfPresent(Int.self, forKey: .restartBackoffMilliseconds) ?? d.restartBackoffMilliseconds
        maxRestartBackoffMilliseconds = try c.decodeIfPresent(Int.self, forKey: .maxRestartBackoffMilliseconds) ?? d.maxRestartBackoffMilliseconds
        onEngineCrash = try c.decodeIfPresent(Action.self, forKey: .onEngineCrash) ?? d.onEngineCrash
        poisonAction = try c.decodeIfPresent(Action.self, forKey: .poisonAction) ?? d.poisonAction
        poisonReply = try c.decodeIfPresent(String.self, forKey: .poisonReply) ?? d.poisonReply
        poisonEntries = try c.decodeIfPresent(Int.self, forKey: .poisonEntries) ?? d.poisonEntries
        let positive: [(CodingKeys, Int)] = [
            (.maxScansPerWorker, maxScansPerWorker), (.poisonEntries, poisonEntries),
            (.restartBackoffMilliseconds, restartBackoffMilliseconds), (.maxRestartBackoffMilliseconds, maxRestartBackoffMilliseconds),
        ]
        for (key, value) in positive where value < 1 {
            throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "must be at least 1, got \(value)")
        }
        let nonNegative: [(CodingKeys, Int)] = [
            (.workers, workers), (.scanHardTimeoutMilliseconds, scanHardTimeoutMilliseconds), (.hardTimeoutGraceMilliseconds, hardTimeoutGraceMilliseconds),
            (.memoryLimitMegabytes, memoryLimitMegabytes), (.maxResidentMegabytes, maxResidentMegabytes),
            (.runawayGraceMilliseconds, runawayGraceMilliseconds),
        ]
        for (key, value) in nonNegative where value < 0 {
            throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "must not be negative, got \(value)")
        }
        let code = poisonReply.prefix(3)
        guard code.count == 3, code.allSatisfy(\.isNumber), code.first == "5" || code.first == "4" else {
            throw DecodingError.dataCorruptedError(forKey: .poisonReply, in: c, debugDescription: "must start with a 4xx or 5xx SMTP code")
        }
    }

    /// Default-pool workers on a machine with `cores` cores (`workers`, or half the cores when 0).
    public func resolvedWorkers(cores: Int) -> Int {
        workers > 0 ? workers : max(1, cores / 2)
    }

    /// The hard limit for a scan by engines with these timeouts.
    public func hardTimeout(engineTimeouts: [Int]) -> Duration {
        if scanHardTimeoutMilliseconds > 0 { return .milliseconds(scanHardTimeoutMilliseconds) }
        // Saturating: both numbers come from configuration files.
        let (sum, overflow) = (engineTimeouts.max() ?? 10_000).addingReportingOverflow(hardTimeoutGraceMilliseconds)
        return .milliseconds(overflow ? Int.max : sum)
    }
}
