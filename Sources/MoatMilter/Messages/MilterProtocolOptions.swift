/// The `SMFIP_*` protocol flags: steps and replies the filter asks the MTA to leave out.
///
/// `NO*` bits remove an event, `NR_*` bits remove the reply to an event (so headers and
/// body can stream without a round trip each). The filter may only set bits the MTA offered.
public struct MilterProtocolOptions: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// `SMFIP_NOCONNECT`: do not send CONNECT.
    public static let noConnect = MilterProtocolOptions(rawValue: 0x0000_0001)
    /// `SMFIP_NOHELO`: do not send HELO.
    public static let noHelo = MilterProtocolOptions(rawValue: 0x0000_0002)
    /// `SMFIP_NOMAIL`: do not send MAIL.
    public static let noMail = MilterProtocolOptions(rawValue: 0x0000_0004)
    /// `SMFIP_NORCPT`: do not send RCPT.
    public static let noRecipient = MilterProtocolOptions(rawValue: 0x0000_0008)
    /// `SMFIP_NOBODY`: do not send BODY chunks.
    public static let noBody = MilterProtocolOptions(rawValue: 0x0000_0010)
    /// `SMFIP_NOHDRS`: do not send HEADER events.
    public static let noHeaders = MilterProtocolOptions(rawValue: 0x0000_0020)
    /// `SMFIP_NOEOH`: do not send EOH.
    public static let noEndOfHeaders = MilterProtocolOptions(rawValue: 0x0000_0040)
    /// `SMFIP_NR_HDR` (alias `SMFIP_NOHREPL`): no reply to HEADER.
    public static let noHeaderReply = MilterProtocolOptions(rawValue: 0x0000_0080)
    /// `SMFIP_NOUNKNOWN`: do not send UNKNOWN.
    public static let noUnknown = MilterProtocolOptions(rawValue: 0x0000_0100)
    /// `SMFIP_NODATA`: do not send DATA.
    public static let noData = MilterProtocolOptions(rawValue: 0x0000_0200)
    /// `SMFIP_SKIP`: the MTA understands the SKIP reply.
    public static let skip = MilterProtocolOptions(rawValue: 0x0000_0400)
    /// `SMFIP_RCPT_REJ`: also send recipients the MTA rejected.
    public static let rejectedRecipients = MilterProtocolOptions(rawValue: 0x0000_0800)
    /// `SMFIP_NR_CONN`: no reply to CONNECT.
    public static let noConnectReply = MilterProtocolOptions(rawValue: 0x0000_1000)
    /// `SMFIP_NR_HELO`: no reply to HELO.
    public static let noHeloReply = MilterProtocolOptions(rawValue: 0x0000_2000)
    /// `SMFIP_NR_MAIL`: no reply to MAIL.
    public static let noMailReply = MilterProtocolOptions(rawValue: 0x0000_4000)
    /// `SMFIP_NR_RCPT`: no reply to RCPT.
    public static let noRecipientReply = MilterProtocolOptions(rawValue: 0x0000_8000)
    /// `SMFIP_NR_DATA`: no reply to DATA.
    public static let noDataReply = MilterProtocolOptions(rawValue: 0x0001_0000)
    /// `SMFIP_NR_UNKN`: no reply to UNKNOWN.
    public static let noUnknownReply = MilterProtocolOptions(rawValue: 0x0002_0000)
    /// `SMFIP_NR_EOH`: no reply to EOH.
    public static let noEndOfHeadersReply = MilterProtocolOptions(rawValue: 0x0004_0000)
    /// `SMFIP_NR_BODY`: no reply to BODY chunks.
    public static let noBodyReply = MilterProtocolOptions(rawValue: 0x0008_0000)
    /// `SMFIP_HDR_LEADSPC`: header values keep their leading space, both ways.
    public static let headerLeadingSpace = MilterProtocolOptions(rawValue: 0x0010_0000)
    /// `SMFIP_MDS_256K`: libmilter-internal larger data size; Postfix never offers it.
    public static let maximumDataSize256K = MilterProtocolOptions(rawValue: 0x1000_0000)
    /// `SMFIP_MDS_1M`: libmilter-internal larger data size; Postfix never offers it.
    public static let maximumDataSize1M = MilterProtocolOptions(rawValue: 0x2000_0000)

    /// `SMFI_V1_PROT` (0x3F).
    public static let version1 = MilterProtocolOptions(rawValue: 0x3F)
    /// `SMFI_V2_PROT` (0x7F).
    public static let version2 = MilterProtocolOptions(rawValue: 0x7F)
    /// `SMFI_CURR_PROT`: every step/reply bit of version 6 (0x1FFFFF), what Postfix offers.
    public static let all = MilterProtocolOptions(rawValue: 0x1F_FFFF)

    /// What Moat asks for by default (0xFF380): no UNKNOWN and no DATA events (it uses neither),
    /// and no reply to any step before end of message, where it decides. Every step the MTA
    /// waits on costs a loopback round trip (about 0.35 ms here), so a message with 30 headers
    /// and a few recipients would otherwise spend more time waiting than scanning. Moat refuses
    /// nothing at CONNECT, HELO, MAIL or RCPT: a connection over the limit is closed instead.
    public static let moatDefault: MilterProtocolOptions = [
        .noUnknown, .noData,
        .noConnectReply, .noHeloReply, .noMailReply, .noRecipientReply, .noDataReply, .noUnknownReply,
        .noHeaderReply, .noEndOfHeadersReply, .noBodyReply,
    ]
}
