/// How `moatd` listens for MTAs and bounds what one connection may cost.
public struct MilterSettings: Sendable, Hashable, Codable {
    /// Listen addresses in Postfix's notation: `inet:PORT@HOST` or `unix:/path/to.sock`.
    public var listen: [String]
    /// Largest inbound milter frame accepted; more is a protocol error that closes the connection.
    public var maxFrameBytes: Int
    /// Largest message accepted; past it the configured `oversizeAction` answers.
    public var maxMessageBytes: Int
    /// What to answer for a message over `maxMessageBytes` (tempfail, reject or accept unscanned).
    public var oversizeAction: Action
    /// Bodies above this many bytes are spooled to a private temp file instead of memory.
    public var spoolThresholdBytes: Int
    /// Directory for spooled bodies (created mode 0700).
    public var spoolDirectory: String
    /// Interval between PROGRESS packets while engines run, so the MTA keeps waiting.
    public var progressIntervalMilliseconds: Int
    /// Limit of concurrent connections; connections beyond it are closed (the MTA applies its default action).
    public var maxConnections: Int
    /// Bytes of messages scanned at once (a message costs about three times its size in memory);
    /// further scans wait, so peak memory is bounded by this and not by message sizes.
    public var maxScanBytesInFlight: Int
    /// Tells a sender which recipients a tenant refused (their recipients were removed, so the MTA
    /// says nothing): a command that reads a message on standard input and gets the recipient as
    /// its last argument, argument vector without a shell, e.g. `["/usr/sbin/sendmail", "-f", ""]`
    /// (never `-t`); nil sends no notice.
    public var removalNoticeCommand: [String]?
    /// The notice's From address.
    public var removalNoticeFrom: String

    public init(
        listen: [String] = ["inet:7357@127.0.0.1"],
        maxFrameBytes: Int = 1 << 20,
        maxMessageBytes: Int = 64 << 20,
        oversizeAction: Action = .tempfail,
        spoolThresholdBytes: Int = 1 << 20,
        spoolDirectory: String = "/tmp/moatd-spool",
        progressIntervalMilliseconds: Int = 10_000,
        maxConnections: Int = 1024,
        maxScanBytesInFlight: Int = 512 << 20,
        removalNoticeCommand: [String]? = nil,
        removalNoticeFrom: String = "postmaster"
    ) {
        self.removalNoticeCommand = removalNoticeCommand
        self.removalNoticeFrom = removalNoticeFrom
        self.listen = listen
        self.maxFrameBytes = maxFrameBytes
        self.maxMessageBytes = maxMessageBytes
        self.oversizeAction = oversizeAction
        self.spoolThresholdBytes = spoolThresholdBytes
        self.spoolDirectory = spoolDirectory
        self.progressIntervalMilliseconds = progressIntervalMilliseconds
        self.maxConnections = maxConnections
        self.maxScanBytesInFlight = maxScanBytesInFlight
    }

    enum CodingKeys: String, CodingKey {
        case listen
        case maxFrameBytes = "max_frame_bytes"
        case maxMessageBytes = "max_message_bytes"
        case oversizeAction = "oversize_action"
        case spoolThresholdBytes = "spool_threshold_bytes"
        case spoolDirectory = "spool_directory"
        case progressIntervalMilliseconds = "progress_interval_ms"
        case maxConnections = "max_connections"
        case maxScanBytesInFlight = "max_scan_bytes_in_flight"
        case removalNoticeCommand = "removal_notice_command"
        case removalNoticeFrom = "removal_notice_from"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = MilterSettings()
        listen = try c.decodeIfPresent([String].self, forKey: .listen) ?? d.listen
        maxFrameBytes = try c.decodeIfPresent(Int.self, forKey: .maxFrameBytes) ?? d.maxFrameBytes
        maxMessageBytes = try c.decodeIfPresent(Int.self, forKey: .maxMessageBytes) ?? d.maxMessageBytes
        oversizeAction = try c.decodeIfPresent(Action.self, forKey: .oversizeAction) ?? d.oversizeAction
        spoolThresholdBytes = try c.decodeIfPresent(Int.self, forKey: .spoolThresholdBytes) ?? d.spoolThresholdBytes
        spoolDirectory = try c.decodeIfPresent(String.self, forKey: .spoolDirectory) ?? d.spoolDirectory
        progressIntervalMilliseconds = try c.decodeIfPresent(Int.self, forKey: .progressIntervalMilliseconds) ?? d.progressIntervalMilliseconds
        maxConnections = try c.decodeIfPresent(Int.self, forKey: .maxConnections) ?? d.maxConnections
        maxScanBytesInFlight = try c.decodeIfPresent(Int.self, forKey: .maxScanBytesInFlight) ?? d.maxScanBytesInFlight
        removalNoticeCommand = try c.decodeIfPresent([String].self, forKey: .removalNoticeCommand)
        removalNoticeFrom = try c.decodeIfPresent(String.self, forKey: .removalNoticeFrom) ?? d.removalNoticeFrom
        if let command = removalNoticeCommand, !(command.first?.hasPrefix("/") ?? false) {
            throw DecodingError.dataCorruptedError(forKey: .removalNoticeCommand, in: c,
                                                   debugDescription: "the command's first element is an absolute program path")
        }
        for address in listen where !(address.hasPrefix("inet:") || address.hasPrefix("unix:") || address.hasPrefix("local:")) {
            throw DecodingError.dataCorruptedError(
                forKey: .listen, in: c, debugDescription: "'\(address)' is not inet:PORT@HOST or unix:/path"
            )
        }
    }
}
