/// What a milter session asks of the MTA and how much of a message it will hold.
///
/// Plain protocol terms; the daemon builds it from its validated configuration.
public struct MilterSessionConfiguration: Hashable, Sendable {
    /// The highest protocol version to speak; the session answers the lower of this and
    /// the MTA's (Postfix refuses a filter version above its own).
    public var maximumVersion: UInt32
    /// Actions the filter wants; the session asks for these ∩ what the MTA offers.
    public var actions: MilterActions
    /// Steps and replies to leave out; the session asks for these ∩ what the MTA offers.
    public var protocolOptions: MilterProtocolOptions
    /// Macro lists to request; sent only if the MTA offers ``MilterActions/setSymbolList``.
    public var macroLists: [MilterMacroList]
    /// Bodies larger than this move from memory to a spool file.
    public var bodyMemoryThreshold: Int
    /// Where spool files are created (mode 0600, `O_EXCL`).
    public var spoolDirectory: String
    /// Headers plus body beyond this are not stored and the message is marked oversize.
    public var maximumMessageSize: Int

    /// - Parameters:
    ///   - maximumVersion: default 6, the current protocol.
    ///   - actions: default ADDHDRS|CHGHDRS|CHGBODY|QUARANTINE|DELRCPT.
    ///   - protocolOptions: default ``MilterProtocolOptions/moatDefault`` (no UNKNOWN, no DATA, no reply before EOM).
    ///   - macroLists: default ``MilterMacroList/moatDefault``.
    ///   - bodyMemoryThreshold: default 1 MiB.
    ///   - spoolDirectory: default `/tmp`.
    ///   - maximumMessageSize: default 64 MiB.
    public init(
        maximumVersion: UInt32 = 6,
        actions: MilterActions = .moatDefault,
        protocolOptions: MilterProtocolOptions = .moatDefault,
        macroLists: [MilterMacroList] = MilterMacroList.moatDefault,
        bodyMemoryThreshold: Int = 1 << 20,
        spoolDirectory: String = "/tmp",
        maximumMessageSize: Int = 64 << 20
    ) {
        self.maximumVersion = maximumVersion
        self.actions = actions
        self.protocolOptions = protocolOptions
        self.macroLists = macroLists
        self.bodyMemoryThreshold = bodyMemoryThreshold
        self.spoolDirectory = spoolDirectory
        self.maximumMessageSize = maximumMessageSize
    }
}
