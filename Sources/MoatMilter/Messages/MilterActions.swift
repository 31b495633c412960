/// The `SMFIF_*` action flags: which message modifications a filter may make.
///
/// The MTA offers a set in its OPTNEG packet and the filter answers with the subset it
/// needs; an edit whose bit was not agreed is a protocol error for the MTA, so the
/// session only sends edits covered by the negotiated set.
public struct MilterActions: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// `SMFIF_ADDHDRS`: add and insert headers (`h`, `i`).
    public static let addHeaders = MilterActions(rawValue: 0x001)
    /// `SMFIF_CHGBODY` (alias `SMFIF_MODBODY`): replace the body (`b`).
    public static let changeBody = MilterActions(rawValue: 0x002)
    /// `SMFIF_ADDRCPT`: add recipients (`+`).
    public static let addRecipient = MilterActions(rawValue: 0x004)
    /// `SMFIF_DELRCPT`: delete recipients (`-`).
    public static let deleteRecipient = MilterActions(rawValue: 0x008)
    /// `SMFIF_CHGHDRS`: change or delete headers (`m`).
    public static let changeHeaders = MilterActions(rawValue: 0x010)
    /// `SMFIF_QUARANTINE`: put the message on hold (`q`).
    public static let quarantine = MilterActions(rawValue: 0x020)
    /// `SMFIF_CHGFROM`: change the envelope sender (`e`).
    public static let changeFrom = MilterActions(rawValue: 0x040)
    /// `SMFIF_ADDRCPT_PAR`: add recipients with ESMTP parameters (`2`).
    public static let addRecipientWithParameters = MilterActions(rawValue: 0x080)
    /// `SMFIF_SETSYMLIST`: the filter may send macro lists in its OPTNEG reply.
    public static let setSymbolList = MilterActions(rawValue: 0x100)

    /// `SMFI_V1_ACTS`: the actions of protocol version 1.
    public static let version1: MilterActions = [.addHeaders, .changeBody, .addRecipient, .deleteRecipient]
    /// `SMFI_V2_ACTS`: the actions of protocol version 2.
    public static let version2: MilterActions = [.version1, .changeHeaders, .quarantine]
    /// `SMFI_CURR_ACTS`: every action of protocol version 6 (0x1FF), what Postfix offers.
    public static let all: MilterActions = [.version2, .changeFrom, .addRecipientWithParameters, .setSymbolList]

    /// What Moat needs by default: add/change headers, replace the body, quarantine, and delete
    /// recipients (a tenant that refuses a message others keep loses its recipients) (0x3B).
    public static let moatDefault: MilterActions = [.addHeaders, .changeHeaders, .changeBody, .quarantine, .deleteRecipient]
}
